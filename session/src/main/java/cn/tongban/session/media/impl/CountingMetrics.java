package cn.tongban.session.media.impl;

import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.MediaMetrics;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Lock-free counters: {@link LongAdder} because many threads increment and few read. */
public final class CountingMetrics implements MediaMetrics {
    private final LongAdder[] counters = new LongAdder[MediaCounter.values().length];

    public CountingMetrics() {
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
    }

    public void increment(MediaCounter c) {
        counters[c.ordinal()].increment();
    }

    public void add(MediaCounter c, long n) {
        counters[c.ordinal()].add(n);
    }

    @Override
    public long count(MediaCounter c) {
        return counters[c.ordinal()].sum();
    }

    @Override
    public Map<MediaCounter, Long> snapshot() {
        Map<MediaCounter, Long> m = new EnumMap<>(MediaCounter.class);
        for (MediaCounter c : MediaCounter.values()) {
            m.put(c, count(c));
        }
        return m;
    }
}
