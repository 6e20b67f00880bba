package cn.tongban.docsign.pki;

import java.math.BigInteger;
import java.time.Instant;

/**
 * A durable record of the end-entity certificates issued under a CA, consulted by the embedded OCSP
 * responder, which answers {@code good} only for serial numbers it knows to be issued and {@code unknown}
 * for any other (RFC 6960 §2.2). {@link EmbeddedPki} always keeps its own {@code issued.log}; a register
 * {@linkplain EmbeddedPki#shareIssuance shared} by several processes that hold the same CA keys (the nodes
 * of a cluster with one external issuing CA) lets each vouch for the certificates any of them issued — an
 * applicant certified on one node and sealed on another.
 */
public interface IssuanceRegister {
    /**
     * Records that the CA {@code caId} issued {@code serial}; durable when it returns (the certificate is
     * handed out only afterwards). Recording the same pair twice is harmless.
     */
    void issued(String caId, BigInteger serial, Instant at);

    /** Whether the CA {@code caId} issued {@code serial}. */
    boolean wasIssued(String caId, BigInteger serial);
}
