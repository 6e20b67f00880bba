package cn.tongban.testkit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;

/**
 * The stacks of this JVM's threads, for the message of a test that timed out waiting: with the server in
 * the same JVM, the thread it is stuck in is there to read, instead of a guess.
 */
public final class ThreadDump {
    private ThreadDump() {}

    /** Every thread's state and stack (at most 40 frames each), blocked and waiting ones first. */
    public static String now() {
        StringBuilder s = new StringBuilder("---- thread dump ----\n");
        ThreadInfo[] infos = ManagementFactory.getThreadMXBean().dumpAllThreads(true, true);
        java.util.Arrays.sort(infos, java.util.Comparator.comparing(t -> t.getThreadState() == Thread.State.RUNNABLE));
        for (ThreadInfo t : infos) {
            s.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                s.append(" on ").append(t.getLockName());
            }
            if (t.getLockOwnerName() != null) {
                s.append(" owned by \"").append(t.getLockOwnerName()).append('"');
            }
            s.append('\n');
            StackTraceElement[] stack = t.getStackTrace();
            for (int i = 0; i < Math.min(stack.length, 40); i++) {
                s.append("    at ").append(stack[i]).append('\n');
            }
        }
        return s.append("---- end of thread dump ----").toString();
    }
}
