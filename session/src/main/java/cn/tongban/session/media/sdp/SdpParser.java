package cn.tongban.session.media.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SDP reader (RFC 8866) for participants' answers. It keeps only what the bridge uses and rejects
 * answers that cannot work with it: no ICE credentials, no sha-256 fingerprint, or a DTLS role other than
 * {@code active} (the bridge only serves DTLS).
 */
public final class SdpParser {
    private SdpParser() {}

    public static RemoteDescription parseAnswer(String sdp) throws SdpException {
        if (sdp == null || sdp.length() > 64 * 1024) {
            throw new SdpException("missing or oversized SDP");
        }
        String ufrag = null;
        String pwd = null;
        String fpHash = null;
        String fp = null;
        String setup = null;
        List<RemoteDescription.Media> media = new ArrayList<>();
        MediaBuilder current = null;
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.strip();
            if (line.length() < 2 || line.charAt(1) != '=') {
                continue;
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (type == 'm') {
                if (current != null) {
                    media.add(current.build());
                }
                current = new MediaBuilder(value);
                continue;
            }
            if (type != 'a') {
                continue;
            }
            int colon = value.indexOf(':');
            String name = colon < 0 ? value : value.substring(0, colon);
            String arg = colon < 0 ? "" : value.substring(colon + 1).strip();
            switch (name) {
                case "ice-ufrag" -> ufrag = arg;
                case "ice-pwd" -> pwd = arg;
                case "fingerprint" -> {
                    String[] p = arg.split("\\s+");
                    if (p.length == 2 && p[0].equalsIgnoreCase("sha-256")) {
                        fpHash = "sha-256";
                        fp = p[1].toUpperCase(Locale.ROOT);
                    }
                }
                case "setup" -> setup = arg;
                case "mid" -> {
                    if (current != null) {
                        current.mid = arg;
                    }
                }
                case "sendrecv", "sendonly", "recvonly", "inactive" -> {
                    if (current != null) {
                        current.direction = Direction.parse(name);
                    }
                }
                case "ssrc" -> {
                    if (current != null && current.ssrc == 0) {
                        current.ssrc = parseSsrc(arg.split("\\s+")[0]);
                    }
                }
                case "ssrc-group" -> {
                    String[] p = arg.split("\\s+");
                    if (current != null && p.length == 3 && p[0].equals("FID")) {
                        current.ssrc = parseSsrc(p[1]);
                        current.rtxSsrc = parseSsrc(p[2]);
                    }
                }
                default -> {}
            }
        }
        if (current != null) {
            media.add(current.build());
        }
        if (media.isEmpty()) {
            // Answer to an offer without m-lines (a supervisor alone in the session): nothing to connect yet.
            return new RemoteDescription(ufrag, pwd, fpHash, fp, setup, List.of());
        }
        if (ufrag == null || pwd == null) {
            throw new SdpException("answer has no a=ice-ufrag/a=ice-pwd");
        }
        if (fp == null || !fp.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}")) {
            throw new SdpException("answer has no a=fingerprint:sha-256");
        }
        if (!"active".equals(setup)) {
            throw new SdpException("answer must have a=setup:active (the bridge is the DTLS server), got " + setup);
        }
        for (RemoteDescription.Media m : media) {
            if (m.mid() == null) {
                throw new SdpException("m-line without a=mid");
            }
        }
        return new RemoteDescription(ufrag, pwd, fpHash, fp, setup, List.copyOf(media));
    }

    private static long parseSsrc(String s) throws SdpException {
        try {
            long v = Long.parseLong(s);
            if (v < 0 || v > 0xffffffffL) {
                throw new SdpException("SSRC out of range: " + s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new SdpException("bad SSRC: " + s);
        }
    }

    private static final class MediaBuilder {
        final MediaKind kind;
        final boolean rejected;
        String mid;
        Direction direction = Direction.SENDRECV;
        long ssrc;
        long rtxSsrc;

        MediaBuilder(String mline) throws SdpException {
            String[] p = mline.split("\\s+");
            if (p.length < 3) {
                throw new SdpException("bad m-line: " + mline);
            }
            kind = switch (p[0]) {
                case "audio" -> MediaKind.AUDIO;
                case "video" -> MediaKind.VIDEO;
                default -> throw new SdpException("unsupported media " + p[0]);
            };
            rejected = "0".equals(p[1]);
        }

        RemoteDescription.Media build() {
            return new RemoteDescription.Media(mid, kind, direction, rejected, ssrc, rtxSsrc);
        }
    }
}
