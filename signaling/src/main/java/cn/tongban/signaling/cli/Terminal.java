package cn.tongban.signaling.cli;

import java.io.Console;

/**
 * The terminal a command asks its questions in: {@link #system()} when the process has one, null when it has
 * none (a service, a pipe) — then nothing can be asked and a missing value is an error. Tests give a scripted
 * one.
 */
interface Terminal {
    /** A line typed in answer to {@code prompt} (shown as is), or null at the end of input. */
    String readLine(String prompt);

    /** A password typed without echo in answer to {@code prompt}, or null at the end of input. */
    char[] readPassword(String prompt);

    /** The process's console, or null when there is none. */
    static Terminal system() {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        return new Terminal() {
            @Override
            public String readLine(String prompt) {
                return console.readLine("%s", prompt);
            }

            @Override
            public char[] readPassword(String prompt) {
                return console.readPassword("%s", prompt);
            }
        };
    }
}
