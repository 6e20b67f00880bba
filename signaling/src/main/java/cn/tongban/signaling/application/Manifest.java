package cn.tongban.signaling.application;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What a hand-off says about the package it carries (the JSON the sending hall signs). The package itself
 * is the final application PDF: the materials are embedded in it as PDF/A-3 associated files and the
 * session evidence is printed on it, all covered by the three signatures — one file carries everything and
 * nothing in it can change unnoticed.
 *
 * @param version format version (1)
 * @param applicationId the application number printed on the form
 * @param owningHallId the hall that owns the matter: the receiver
 * @param fromHallId the hall that accepted the application and sends it (its seal signs the request)
 * @param applicant the applicant's name, masked (张**)
 * @param pdfSha256 hex SHA-256 of the request body
 * @param attachments file names of the embedded materials
 * @param sentAt when this attempt was made (epoch ms); stale requests are refused
 */
@JsonIgnoreProperties(ignoreUnknown = false)
record Manifest(
        int version,
        String applicationId,
        String matterId,
        String matterCode,
        String matterName,
        String owningHallId,
        String fromHallId,
        String sessionId,
        String applicant,
        String pdfSha256,
        long pdfBytes,
        List<String> attachments,
        long sentAt) {
    Manifest {
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
    }
}
