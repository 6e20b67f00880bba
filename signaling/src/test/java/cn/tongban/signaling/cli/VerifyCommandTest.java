package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out) {}

    private static Run run(Object command, String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(sw));
        int exit = cl.execute(args);
        return new Run(exit, sw.toString());
    }

    @Test
    void demoApplicationVerifiesWithItsRootAndNotWithout() throws Exception {
        Path pdf = dir.resolve("demo.pdf");
        Run demo = run(
                new DemoApplicationCommand(),
                "--out",
                pdf.toString(),
                "--data-dir",
                dir.resolve("data").toString());
        assertThat(demo.exit()).as(demo.out()).isZero();
        Path root = dir.resolve("demo.pdf.root.pem");
        assertThat(root).exists();

        Run ok = run(new VerifyCommand(), pdf.toString(), "--trust", root.toString());
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("\"verdict\" : \"VALID\"", "B-LTA");

        Path anchors = Files.createDirectories(dir.resolve("anchors"));
        Files.copy(root, anchors.resolve("root.pem"));
        assertThat(run(new VerifyCommand(), pdf.toString(), "--trust", anchors.toString())
                        .exit())
                .isZero();

        Run untrusted = run(new VerifyCommand(), pdf.toString());
        assertThat(untrusted.exit()).isEqualTo(1);
        assertThat(untrusted.out()).contains("CHAIN_UNTRUSTED");
    }

    @Test
    void unreadableInputExitsTwo() throws Exception {
        Path junk = dir.resolve("junk.pdf");
        Files.writeString(junk, "not a pdf");
        Run r = run(new VerifyCommand(), junk.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("\"error\" : \"PDF_CORRUPT\"");
        assertThat(run(new VerifyCommand(), dir.resolve("missing.pdf").toString())
                        .exit())
                .isEqualTo(2);
    }
}
