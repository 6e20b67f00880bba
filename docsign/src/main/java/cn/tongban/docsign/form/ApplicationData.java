package cn.tongban.docsign.form;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The filled-in application: who applies, where, the field values, the uploaded materials and the
 * evidence of the remote session in which it was taken.
 *
 * @param applicationId the case number printed on the form
 * @param applicant the applicant
 * @param owningHall the hall that owns the matter and decides (办理地)
 * @param acceptingHall the partner hall or channel where it was accepted (受理地)
 * @param values field values keyed by {@link FormDefinition.FieldDefinition#key()}
 * @param materials uploaded materials, embedded as PDF/A-3 associated files
 * @param evidence the remote session's evidence
 * @param createdAt the time printed as the application date
 */
public record ApplicationData(
        String applicationId,
        Applicant applicant,
        String owningHall,
        String acceptingHall,
        Map<String, String> values,
        List<Material> materials,
        SessionEvidence evidence,
        Instant createdAt) {
    public ApplicationData {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(applicant, "applicant");
        Objects.requireNonNull(owningHall, "owningHall");
        Objects.requireNonNull(acceptingHall, "acceptingHall");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(createdAt, "createdAt");
        values = Map.copyOf(values);
        materials = List.copyOf(materials);
    }

    /** The applicant (申请人). Sensitive numbers are printed as given; mask them upstream if needed. */
    public record Applicant(String name, String idType, String idNumber, String phone) {}

    /**
     * One uploaded material.
     *
     * @param requirementKey the {@link FormDefinition.MaterialRequirement#key()} it satisfies
     * @param fileName the original file name
     * @param content the file bytes (PNG, JPEG or PDF)
     */
    public record Material(String requirementKey, String fileName, byte[] content) {}

    /**
     * What happened in the remote session (远程办理过程记录), up to {@code end} — the session may go on after
     * the application is prepared, so the form prints {@code end} as "记录截至" (recorded up to).
     *
     * @param recordingSha256 hex SHA-256 of the session recording, or {@code null} when not (yet) known
     * @param recordingInProgress the session is being recorded and the recording has not ended, so its
     *     hash cannot be in the document: the form says where it will be recorded instead
     */
    public record SessionEvidence(
            String sessionId,
            String clerkName,
            String clerkId,
            Instant start,
            Instant end,
            String recordingSha256,
            boolean recordingInProgress) {
        /** Evidence of a session that was recorded ({@code recordingSha256}) or not recorded ({@code null}). */
        public SessionEvidence(
                String sessionId,
                String clerkName,
                String clerkId,
                Instant start,
                Instant end,
                String recordingSha256) {
            this(sessionId, clerkName, clerkId, start, end, recordingSha256, false);
        }
    }
}
