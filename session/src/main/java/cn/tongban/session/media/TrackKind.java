package cn.tongban.session.media;

import cn.tongban.session.media.sdp.MediaKind;

/** The tracks a sending participant uploads, one m-line each. */
public enum TrackKind {
    AUDIO(MediaKind.AUDIO),
    CAMERA(MediaKind.VIDEO),
    SCREEN(MediaKind.VIDEO);

    private final MediaKind mediaKind;

    TrackKind(MediaKind mediaKind) {
        this.mediaKind = mediaKind;
    }

    public MediaKind mediaKind() {
        return mediaKind;
    }
}
