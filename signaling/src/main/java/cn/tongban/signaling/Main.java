package cn.tongban.signaling;

/** Entry point of {@code tongban.jar}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("tongban");
    }
}
