package cn.tongban.docsign.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A signer's certificate chain (leaf first, ending at the trust anchor) and, when the key is held
 * here, its private key. For external signing (browser, HSM) the key is {@code null}.
 */
public record Credential(PrivateKey privateKey, List<X509Certificate> chain) {
    public Credential {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty chain");
        }
    }

    /** The signer's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }
}
