package cn.tongban.session.media.impl;

import cn.tongban.session.media.MediaCounter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads the receive pipelines over several cores. ice4j delivers every participant's datagrams on one
 * thread per port; left there, decrypt + forward + re-encrypt for the whole bridge would be capped at one
 * core. Each endpoint is pinned to one worker (so its packets stay in order and its receive state has one
 * writer); the ice4j thread only enqueues. A full worker queue drops the datagram and counts it.
 */
final class ForwardingThreads implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardingThreads.class);
    private static final int QUEUE_CAPACITY = 8192;
    private static final Runnable STOP = () -> {};

    private final Worker[] workers;
    private final AtomicInteger nextWorker = new AtomicInteger();
    private final CountingMetrics metrics;

    ForwardingThreads(int threads, CountingMetrics metrics) {
        this.metrics = metrics;
        this.workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker("media-forward-" + (i + 1));
        }
    }

    /** Picks the worker for a new endpoint (round robin). */
    int assign() {
        return Math.floorMod(nextWorker.getAndIncrement(), workers.length);
    }

    /** Queues {@code task} on {@code worker}; false (and counted) when its queue is full. */
    boolean execute(int worker, Runnable task) {
        if (!workers[worker].queue.offer(task)) {
            metrics.increment(MediaCounter.DROPPED_FORWARDING_QUEUE_FULL);
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.queue.clear();
            w.queue.offer(STOP);
        }
    }

    private static final class Worker {
        final BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);

        Worker(String name) {
            Thread t = new Thread(this::run, name);
            t.setDaemon(true);
            t.start();
        }

        private void run() {
            try {
                for (Runnable r = queue.take(); r != STOP; r = queue.take()) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        // One participant's bad packet must not stop the worker serving others.
                        org.slf4j.LoggerFactory.getLogger(ForwardingThreads.class)
                                .warn("forwarding task failed", e);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
