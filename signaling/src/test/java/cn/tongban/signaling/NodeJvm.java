package cn.tongban.signaling;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts a Tongban node in a JVM of its own from the test class path, as the fat
 * jar would run: the test's JDK, the module options Hazelcast needs for its own metrics and networking
 * (the jar's manifest grants them), IPv4 on loopback, then {@code cn.tongban.signaling.Main}.
 */
public final class NodeJvm {
    private NodeJvm() {}

    /** {@code java <jvmOptions> <module options> -cp <test class path> cn.tongban.signaling.Main}; add the arguments. */
    public static List<String> command(List<String> jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(
                "-Djava.net.preferIPv4Stack=true",
                "--add-modules",
                "java.se",
                "--add-exports",
                "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens",
                "java.base/java.lang=ALL-UNNAMED",
                "--add-opens",
                "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens",
                "java.management/sun.management=ALL-UNNAMED",
                "--add-opens",
                "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        return cmd;
    }
}
