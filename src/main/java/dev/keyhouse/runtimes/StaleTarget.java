package dev.keyhouse.runtimes;

import dev.keyhouse.web.KeyhouseException;

/**
 * 409: a target's edit form carried a version ({@link RuntimeTargets#version}) the target has moved past since the
 * form was read; nothing was written.
 */
public final class StaleTarget extends KeyhouseException {

    public StaleTarget(String name) {
        super(409, "runtime target " + name + " was changed by someone else since the form was read");
    }
}
