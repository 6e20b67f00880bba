package cn.tongban.docsign.pki;

import cn.tongban.docsign.SignerRole;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.PolicyInformation;

/** Certificate profile pieces shared by the embedded PKI's issuers. */
final class Profiles {
    private Profiles() {}

    /** A certificate policies extension value listing {@code roles} (non-critical where used). */
    static CertificatePolicies policies(SignerRole... roles) {
        PolicyInformation[] p = new PolicyInformation[roles.length];
        for (int i = 0; i < roles.length; i++) {
            p[i] = new PolicyInformation(new ASN1ObjectIdentifier(roles[i].policyOid()));
        }
        return new CertificatePolicies(p);
    }
}
