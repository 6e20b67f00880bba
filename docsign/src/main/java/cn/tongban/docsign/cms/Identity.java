package cn.tongban.docsign.cms;

import cn.tongban.docsign.SignerRole;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.PolicyInformation;

/**
 * Who a certificate names, as the signing appearance shows it and the verifier compares it: the
 * common name, the subject's serial number (a clerk's staff number, an applicant's ID number), the
 * organisation (a clerk's or seal's hall), and the {@link SignerRole}s its certificate policies mark.
 *
 * @param name the subject's common name ({@code CN}), or the whole subject if it has none
 * @param number the subject's {@code serialNumber} attribute, or {@code null}
 * @param organization the subject's {@code O}, or {@code null}
 * @param issuerOrganization the issuer's {@code O} (for an applicant: the hall whose CA issued it), or {@code null}
 * @param roles the roles marked by the certificate's policies (empty when none)
 */
public record Identity(
        String name, String number, String organization, String issuerOrganization, Set<SignerRole> roles) {

    /** Reads the identity of {@code cert}. */
    public static Identity of(X509Certificate cert) {
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        X500Name issuer = X500Name.getInstance(cert.getIssuerX500Principal().getEncoded());
        String cn = attribute(subject, BCStyle.CN);
        return new Identity(
                cn == null ? cert.getSubjectX500Principal().getName() : cn,
                attribute(subject, BCStyle.SERIALNUMBER),
                attribute(subject, BCStyle.O),
                attribute(issuer, BCStyle.O),
                roles(cert));
    }

    /** Whether the certificate is marked for {@code role}. */
    public boolean has(SignerRole role) {
        return roles.contains(role);
    }

    /** The hall the identity belongs to: its own organisation, for an applicant the issuing CA's. */
    public String hall(SignerRole role) {
        return role == SignerRole.APPLICANT ? issuerOrganization : organization;
    }

    /** The {@link SignerRole}s the certificate policies of {@code cert} mark. */
    public static Set<SignerRole> roles(X509Certificate cert) {
        Set<SignerRole> out = EnumSet.noneOf(SignerRole.class);
        for (String oid : policies(cert)) {
            SignerRole.ofPolicy(oid).ifPresent(out::add);
        }
        return out;
    }

    /** Every certificate policy OID of {@code cert} (RFC 5280 §4.2.1.4), empty when it has none. */
    public static Set<String> policies(X509Certificate cert) {
        Set<String> out = new java.util.LinkedHashSet<>();
        byte[] ext = cert.getExtensionValue(Extension.certificatePolicies.getId());
        if (ext == null) {
            return out;
        }
        try {
            CertificatePolicies p = CertificatePolicies.getInstance(
                    ASN1OctetString.getInstance(ext).getOctets());
            for (PolicyInformation i : p.getPolicyInformation()) {
                out.add(i.getPolicyIdentifier().getId());
            }
        } catch (IllegalArgumentException e) {
            // An unreadable extension asserts no policy.
        }
        return out;
    }

    static String attribute(X500Name name, ASN1ObjectIdentifier oid) {
        RDN[] rdns = name.getRDNs(oid);
        if (rdns.length > 0 && rdns[0].getFirst().getValue() instanceof ASN1String s) {
            return s.getString();
        }
        return null;
    }
}
