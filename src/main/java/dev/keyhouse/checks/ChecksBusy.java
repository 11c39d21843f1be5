package dev.keyhouse.checks;

/** Every check slot is taken and the queue is full: the caller answers 503 and asks to try again. Nothing was sent. */
public final class ChecksBusy extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ChecksBusy() {
        super("provider checks are busy: too many are running; try again in a few seconds");
    }
}
