package cn.tongban.session.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ffprobe (Debian package {@code ffmpeg}) as an independent reader of recorded files. */
public final class Ffprobe {
    private Ffprobe() {}

    /**
     * The first stream of {@code file} with its frames decoded and counted: {@code codec_name}, {@code
     * nb_read_frames} and the format's {@code duration}.
     *
     * @throws AssertionError when ffprobe cannot read the file
     */
    public static Map<String, String> stream(Path file) throws IOException, InterruptedException {
        String out = run(
                "-v",
                "error",
                "-count_frames",
                "-select_streams",
                "0",
                "-show_entries",
                "stream=codec_name,nb_read_frames:format=duration",
                "-of",
                "default=noprint_wrappers=1",
                file.toString());
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            int i = line.indexOf('=');
            if (i > 0) {
                m.put(line.substring(0, i).trim(), line.substring(i + 1).trim());
            }
        }
        return m;
    }

    /** Where each packet of the first stream starts in {@code file} (the byte offset of its block), in order. */
    public static List<Long> packetPositions(Path file) throws IOException, InterruptedException {
        String out = run(
                "-v",
                "error",
                "-select_streams",
                "0",
                "-show_entries",
                "packet=pos",
                "-of",
                "csv=p=0",
                file.toString());
        List<Long> positions = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                positions.add(Long.parseLong(line.split(",")[0].trim()));
            }
        }
        return positions;
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ffprobe");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("ffprobe failed: " + out);
        }
        return out;
    }
}
