package cn.tongban.signaling.identity;

import java.time.LocalDate;
import java.util.List;

/**
 * Decides an identity check (身份核实). The built-in {@link ClerkAttestedVerifier} checks the declared ID
 * number and name and takes the clerk's comparison of the still with the ID card as the decision. A hall
 * that has its own identity service (e.g. a provincial unified-identity platform with face comparison)
 * implements this interface and registers it with {@link java.util.ServiceLoader} ({@code
 * META-INF/services/cn.tongban.signaling.identity.IdentityVerifier} in a jar on the class path); the first
 * one found replaces the built-in default. Implementations are called on a worker thread and may block.
 */
public interface IdentityVerifier {

    /** A short name recorded with every decision, e.g. {@code clerk-attested}. */
    String method();

    /** Decides one check. Must not throw for a negative result: return {@link Result#failed}. */
    Result verify(Request request);

    /**
     * What is known at the moment of the clerk's decision.
     *
     * @param ticketName the name the applicant gave when taking the ticket
     * @param declaredName the name in the declaration (may be null)
     * @param idNumber the ID number in the declaration (may be null)
     * @param still the still of the applicant taken by the clerk (JPEG or PNG)
     * @param idCardImage the ID card material, if one was provided (may be null)
     * @param clerkSaysMatch the clerk's comparison of the still with the ID card
     * @param today the applicant's calendar day (Asia/Shanghai)
     */
    record Request(
            String sessionId,
            String clerkId,
            String ticketName,
            String declaredName,
            String idNumber,
            byte[] still,
            String stillSha256,
            byte[] idCardImage,
            String idCardSha256,
            boolean clerkSaysMatch,
            String reason,
            LocalDate today) {}

    /**
     * The decision. {@code problems} are stable codes: {@code id_missing}, {@code id_format}, {@code
     * id_region}, {@code id_birth}, {@code id_checksum}, {@code name_missing}, {@code name_mismatch}, {@code
     * clerk_mismatch}, or a verifier's own.
     */
    record Result(boolean verified, List<String> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        public static Result failed(List<String> problems) {
            return new Result(false, problems);
        }
    }
}
