package cn.tongban.docsign.cms;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The JCA provider for signature creation and verification. Bouncy Castle, used as an instance
 * and never registered globally: its P-256 ECDSA (precomputed fixed-point tables) verifies about
 * 5× faster than the JDK 17 SunEC implementation, which dominated verification time.
 */
public final class Crypto {
    /** Shared Bouncy Castle provider instance (not installed in {@code java.security.Security}). */
    public static final Provider BC = new BouncyCastleProvider();

    private Crypto() {}
}
