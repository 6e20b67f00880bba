package cn.tongban.signaling.store;

/**
 * The names of the details an audit event may carry, one list for the whole journal (the details object's
 * keys; they never change, like {@link AuditAction}'s names). Values of personal data are masked before
 * they get here.
 */
public enum AuditField {
    /** A trust anchor's name ({@code tongban.jar trust}). */
    ANCHOR("anchor"),
    APPLICANT("applicant"),
    APPLICATION("application"),
    APPOINTMENT("appointment"),
    AT("at"),
    ATTEMPT("attempt"),
    ATTEMPTS("attempts"),
    BYTES("bytes"),
    CLAIMED_SINCE("claimedSince"),
    /** A client's network address, masked ({@code 198.51.100.0/24}); never the whole address. */
    CLIENT("client"),
    CLERK("clerk"),
    CLERK_HALL("clerkHall"),
    CLERK_NAME("clerkName"),
    CODE("code"),
    CONNECTION("connection"),
    DECISION("decision"),
    DETAIL("detail"),
    DIRECTORY("directory"),
    DROPPED_PACKETS("droppedPackets"),
    ENDED_BY("endedBy"),
    EPOCH("epoch"),
    ERROR("error"),
    EXPIRES_AT("expiresAt"),
    FAILURE("failure"),
    FIELD("field"),
    FIELDS("fields"),
    FILE("file"),
    FILES("files"),
    /** A certificate's or key's SHA-256 fingerprint (lower-case hex; a key's: of its fingerprint, never the key). */
    FINGERPRINT("fingerprint"),
    FINAL_SHA256("finalSha256"),
    FORM_SHA256("formSha256"),
    FRAMES("frames"),
    FROM("from"),
    GROUP("group"),
    HALL("hall"),
    HANDOFF("handoff"),
    HANDWRITING_SHA256("handwritingSha256"),
    ID_CARD_SHA256("idCardSha256"),
    ID_NUMBER("idNumber"),
    ISSUER("issuer"),
    KIND("kind"),
    /** When the last data of a recovered recording segment reached the disk (ISO-8601). */
    LAST_DATA("lastData"),
    LANGUAGE("language"),
    LOCAL("local"),
    MANIFEST_SHA256("manifestSha256"),
    MATERIAL("material"),
    MATERIALS("materials"),
    MATTER("matter"),
    METHOD("method"),
    MIME("mime"),
    NEW_SESSION("newSession"),
    NEXT_IN_SECONDS("nextInSeconds"),
    /** A node's name ({@code --node-name}). */
    NODE("node"),
    NOT_AFTER("notAfter"),
    NUMBER("number"),
    OUTCOME("outcome"),
    OVERFLOW("overflow"),
    OWNING_HALL("owningHall"),
    PAGES("pages"),
    PARTICIPANT("participant"),
    PARTNER_HALL("partnerHall"),
    PDF_SHA256("pdfSha256"),
    /** The version of something before the change the event records (the reference data's). */
    PREVIOUS_VERSION("previousVersion"),
    PREVIOUS_SHA256("previousSha256"),
    PROBLEMS("problems"),
    PUBLIC_KEY_SHA256("publicKeySha256"),
    REASON("reason"),
    RECEIPT("receipt"),
    RECEIPT_SHA256("receiptSha256"),
    RECORDING_SHA256("recordingSha256"),
    REFUSED_FOR("refusedFor"),
    REPAIRED_BYTES("repairedBytes"),
    REPAIRED_FILE("repairedFile"),
    REPAIRED_SHA256("repairedSha256"),
    REQUIREMENT("requirement"),
    ROLE("role"),
    /** The earlier version whose content a rollback put in force again. */
    ROLLED_BACK_TO("rolledBackTo"),
    SEAL("seal"),
    /** An installation secret's name ({@code jwt}, {@code links}); never its value. */
    SECRET("secret"),
    /** A recording segment: its directory's name under the session's recording directory. */
    SEGMENT("segment"),
    SERIAL("serial"),
    SHA256("sha256"),
    SIGNATURES("signatures"),
    SIGNED_SHA256("signedSha256"),
    SIZE("size"),
    SLOT("slot"),
    SOURCE("source"),
    /** A certificate's subject (distinguished name). */
    SUBJECT("subject"),
    START_OFFSET_MILLIS("startOffsetMillis"),
    STARTED("started"),
    STILL_SHA256("stillSha256"),
    TICKET("ticket"),
    TO("to"),
    TO_CLERK("toClerk"),
    TO_HALL("toHall"),
    TRIES("tries"),
    UNREADABLE("unreadable"),
    URL("url"),
    VALUES_SHA256("valuesSha256"),
    VERDICT("verdict"),
    VERSION("version"),
    VIA("via");

    private final String key;

    AuditField(String key) {
        this.key = key;
    }

    /** The key in the event's details object. */
    public String key() {
        return key;
    }
}
