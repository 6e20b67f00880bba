package cn.tongban.docsign;

import java.util.Optional;

/**
 * Who signs an application, in signing order. Each role has a signature field reserved on the
 * form's last page, and a certificate policy that marks the certificates issued for it.
 *
 * <p>The policy OIDs sit under the UUID arc {@code 2.25.100875731199176412876142459979430237856}
 * (ITU-T X.667: a UUID makes an OID without registration), "Tongban certificate roles":
 * {@code .1} applicant, {@code .2} clerk, {@code .3} hall e-seal. A CA that issues role
 * certificates lists the roles it may issue in its own certificate policies extension, so a path is
 * valid for a role only if every CA on it is allowed that role (RFC 5280 §6.1 with explicit policy).
 * The OIDs never change once released.
 */
public enum SignerRole {
    /** The applicant (申请人); certifies the document (DocMDP P=2). */
    APPLICANT("applicant", "申请人（签名）", ".1"),
    /** The clerk of the owning hall's virtual window (受理人员). */
    CLERK("clerk", "受理窗口工作人员", ".2"),
    /** The owning hall's electronic seal (电子印章). */
    HALL_SEAL("hallSeal", "办理单位（电子印章）", ".3");

    /** The arc of the role policies. */
    public static final String POLICY_ARC = "2.25.100875731199176412876142459979430237856";

    private final String fieldName;
    private final String caption;
    private final String policyOid;

    SignerRole(String fieldName, String caption, String policySuffix) {
        this.fieldName = fieldName;
        this.caption = caption;
        this.policyOid = POLICY_ARC + policySuffix;
    }

    /** Name of the signature field reserved for this role. */
    public String fieldName() {
        return fieldName;
    }

    /** The caption printed above the field. */
    public String caption() {
        return caption;
    }

    /** The certificate policy OID that marks a certificate issued for this role. */
    public String policyOid() {
        return policyOid;
    }

    /** The role whose field is named {@code fieldName}, if any. */
    public static Optional<SignerRole> ofField(String fieldName) {
        for (SignerRole r : values()) {
            if (r.fieldName.equals(fieldName)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** The role a policy OID marks, if it is one of ours. */
    public static Optional<SignerRole> ofPolicy(String oid) {
        for (SignerRole r : values()) {
            if (r.policyOid.equals(oid)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
