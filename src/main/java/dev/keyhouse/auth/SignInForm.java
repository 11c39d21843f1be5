package dev.keyhouse.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the resource method of the sign-in form, the one write sent before there is a session: {@link CsrfFilter}
 * checks it against the visitor token ({@link CsrfTokens#forVisitor}) instead of a session's token.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SignInForm {
}
