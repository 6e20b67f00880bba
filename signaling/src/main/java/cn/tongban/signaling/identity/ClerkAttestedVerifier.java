package cn.tongban.signaling.identity;

import cn.tongban.signaling.form.IdNumbers;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in verifier: the clerk compares the live still with the ID card and attests; the server checks
 * what it can — the declared ID number (format, region, birth date, check character) and that the declared
 * name is the name the applicant gave for the ticket. Verified only when all agree.
 */
public final class ClerkAttestedVerifier implements IdentityVerifier {
    @Override
    public String method() {
        return "clerk-attested";
    }

    @Override
    public Result verify(Request r) {
        List<String> problems = new ArrayList<>();
        if (r.idNumber() == null || r.idNumber().isBlank()) {
            problems.add("id_missing");
        } else {
            IdNumbers.problem(r.idNumber(), r.today()).ifPresent(problems::add);
        }
        if (r.declaredName() == null || r.declaredName().isBlank()) {
            problems.add("name_missing");
        } else if (!normalize(r.declaredName()).equals(normalize(r.ticketName()))) {
            problems.add("name_mismatch");
        }
        if (!r.clerkSaysMatch()) {
            problems.add("clerk_mismatch");
        }
        return new Result(problems.isEmpty(), problems);
    }

    private static String normalize(String name) {
        return name == null ? "" : name.replaceAll("[\\s·•.]", "");
    }
}
