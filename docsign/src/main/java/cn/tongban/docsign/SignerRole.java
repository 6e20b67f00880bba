package cn.tongban.docsign;

/**
 * Who signs an application, in signing order. Each role has a signature field reserved on the
 * form's last page.
 */
public enum SignerRole {
    /** The applicant (申请人); certifies the document (DocMDP P=2). */
    APPLICANT("applicant", "申请人（签名）"),
    /** The clerk of the owning hall's virtual window (受理人员). */
    CLERK("clerk", "受理窗口工作人员"),
    /** The owning hall's electronic seal (电子印章). */
    HALL_SEAL("hallSeal", "办理单位（电子印章）");

    private final String fieldName;
    private final String caption;

    SignerRole(String fieldName, String caption) {
        this.fieldName = fieldName;
        this.caption = caption;
    }

    /** Name of the signature field reserved for this role. */
    public String fieldName() {
        return fieldName;
    }

    /** The caption printed above the field. */
    public String caption() {
        return caption;
    }
}
