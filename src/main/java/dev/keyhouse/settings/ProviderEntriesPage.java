package dev.keyhouse.settings;

import dev.keyhouse.web.TemplateExtensions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.checks.ChecksBusy;
import dev.keyhouse.input.FormBooleans;
import dev.keyhouse.web.ConfirmStep;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.FormVersion;
import dev.keyhouse.web.Locations;
import dev.keyhouse.web.NotFound;
import dev.keyhouse.web.StaleChanges;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The fallback providers of llm, stt and tts on the settings page (issue 19): the overview lists each kind's
 * fallbacks under its primary ({@link FallbackRows}, {@code templates/tags/fallbacks.html}) with their actions, and
 * this resource does them as plain form POSTs (CSRF token and the entry's {@code version} in every one, the page
 * equivalent of If-Match): add ({@code GET …/new}, {@code POST …/providers}), edit ({@code GET}/{@code POST …/{id}}),
 * {@code …/{id}/enabled}, {@code …/{id}/move} (up or down), and, through a {@link ConfirmStep},
 * {@code …/{id}/primary} and {@code …/{id}/delete}. Every write goes through {@link CheckedSaves} and
 * {@link ProviderEntries}, the REST API's path: the same validation, live check, audit. A stale version answers
 * 409 with a page saying who changed the entry; nothing is written.
 */
@Path(ProviderEntriesPage.PATH)
@Produces(MediaType.TEXT_HTML)
public class ProviderEntriesPage {

    static final String PATH = "/admin/settings/{kind}/providers";

    /**
     * The add (id null) or edit form of a fallback.
     *
     * @param fields the kind's fields, a secret's value always empty
     * @param otherErrors errors naming no field of the form
     * @param conflict why nothing was written (stale version, a 409 of the service), or null
     * @param refusal why the live check refused the write, or null
     * @param enforce whether the override (save although the check fails) is offered
     * @param overrideError the problem with the override's reason, or null
     * @param overrideReason the reason as the POST this form answers typed it (kept, however long), or null
     * @param overrideTicked whether that POST ticked the override box
     */
    public record EntryForm(String kind, String title, Long id, long version, int position, boolean enabled,
            List<SettingsPage.Field> fields, List<String> otherErrors, String conflict, String refusal,
            boolean enforce, String overrideError, String overrideReason, boolean overrideTicked) {

        EntryForm(String kind, String title, Long id, long version, int position, boolean enabled,
                List<SettingsPage.Field> fields, List<String> otherErrors, String conflict, String refusal,
                boolean enforce, String overrideError) {
            this(kind, title, id, version, position, enabled, fields, otherErrors, conflict, refusal, enforce,
                    overrideError, null, false);
        }

        /** Where the form posts. */
        public String action() {
            return "/admin/settings/" + kind + "/providers" + (id == null ? "" : "/" + id);
        }
    }

    @CheckedTemplate
    static class Templates {
        /** @param stale the box of a stale save ({@link StaleChanges}), or null */
        static native TemplateInstance form(EntryForm form, StaleChanges stale);

        static native TemplateInstance confirm(ConfirmStep step);

        /** @param fix where the thing refused can be put right (its edit page), or null */
        static native TemplateInstance stale(String title, String message, String back, String fix);
    }

    private final ProviderEntries entries;
    private final CheckedSaves saves;
    private final SecurityIdentity identity;
    private final ReferencedSecrets referenced;
    private final SaveRestarts restarts;
    private final HttpServerRequest request;

    public ProviderEntriesPage(ProviderEntries entries, CheckedSaves saves, SecurityIdentity identity,
            ReferencedSecrets referenced, SaveRestarts restarts, HttpServerRequest request) {
        this.request = request;
        this.restarts = restarts;
        this.entries = entries;
        this.saves = saves;
        this.identity = identity;
        this.referenced = referenced;
    }

    /**
     * The kind's provider entries: 303 to the settings page's section that lists them with their forms
     * ({@code /admin/settings#fallbacks-{kind}}: what {@code GET /api/v1/settings/{kind}/providers} lists);
     * 404 for a kind without fallbacks, as that API answers.
     */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response list(@PathParam("kind") String kind) {
        return Locations.seeOther(FALLBACKS + kind(kind).id()).build();
    }

    /** Where a kind's fallbacks are listed, its id appended: the settings page's section. */
    static final String FALLBACKS = "/admin/settings#fallbacks-";

    /**
     * The form that adds a fallback (after the last one, enabled), carrying the kind's fallbacks version
     * ({@link ProviderEntries#fallbacksVersion}) as {@code version}.
     */
    @GET
    @Path("new")
    @RolesAllowed(Role.ADMIN_NAME)
    public TemplateInstance addForm(@PathParam("kind") String kind) {
        ProviderKind providerKind = kind(kind);
        return formPage(form(providerKind, null, entries.fallbacksVersion(providerKind), 0, true, Map.of(),
                Map.of(), new FieldErrors(), null));
    }

    /**
     * Adds a fallback: 303 to the overview; 400 naming fields (a missing or malformed {@code version}, one ahead of
     * the kind's fallbacks version included), 409, 422 (check refused) or 503 with the form. A form read before
     * another change of the kind's fallbacks ({@code version} behind {@link ProviderEntries#fallbacksVersion}) is a
     * 409 naming what changed since, nothing added, the typed values kept (no-store), as the primary's stale save.
     */
    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response add(@PathParam("kind") String kind, @BeanParam SettingsPage.Submitted submitted) {
        ProviderKind providerKind = kind(kind);
        long current = entries.fallbacksVersion(providerKind);
        FieldErrors refused = new FieldErrors();
        Long expected = FormVersion.read(submitted.version, current, refused);
        if (expected != null && expected != current) {
            EntryForm form = typed(form(providerKind, null, current, 0, true, submitted.values(providerKind),
                    Map.of(), new FieldErrors(), null), providerKind, submitted);
            return SettingsPage.typedBack(409, formPage(withConflict(form, "The " + providerKind.title()
                    + " fallbacks changed while you were adding one ("
                    + String.join("; ", entries.fallbacksChangedSince(providerKind, expected))
                    + "). Nothing was added. Your values are kept: look at the fallbacks again, then add it again.",
                    true))).build();
        }
        // a refused version is named with the fields' errors; the form again carries the current one
        long shown = expected == null ? current : expected;
        return write(providerKind, null, 0, refused, submitted, errors -> form(providerKind, null, shown, 0, true,
                submitted.values(providerKind), Map.of(), errors, null));
    }

    /** The edit form of a fallback, with its current version. */
    @GET
    @Path("{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public TemplateInstance editForm(@PathParam("kind") String kind, @PathParam("id") String id) {
        ProviderKind providerKind = kind(kind);
        ProviderEntries.EntryState state = entries.get(providerKind, id(kind, id));
        return formPage(form(state, state.values(), new FieldErrors(), null));
    }

    /** Saves a fallback's fields (an empty key keeps the stored one), as PUT with fields does. */
    @POST
    @Path("{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response save(@PathParam("kind") String kind, @PathParam("id") String id,
            @BeanParam SettingsPage.Submitted submitted) {
        ProviderKind providerKind = kind(kind);
        long entryId = id(kind, id);
        FieldErrors refused = new FieldErrors();
        Long read = FormVersion.read(submitted.version, entries.get(providerKind, entryId).version(), refused);
        // a refused version is named with the fields' errors; the form again carries the current one
        return write(providerKind, entryId, read == null ? 0 : read, refused, submitted, errors -> {
            ProviderEntries.EntryState state = entries.get(providerKind, entryId);
            return form(providerKind, entryId, read == null ? state.version() : read, state.position(),
                    state.enabled(), submitted.values(providerKind), state.secrets(), errors, null);
        });
    }

    /**
     * Enables ({@code enabled=true}) or disables ({@code enabled=false}) in two steps (issue 20): without
     * {@code confirmed=yes} the answer is the form step naming the targets the change restarts
     * ({@link SaveRestarts#ofFallback}), nothing changed; with it, done. The version is checked at both steps.
     * Enabling an enabled fallback or disabling a disabled one is a 409 saying so, nothing changed.
     */
    @POST
    @Path("{id}/enabled")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response enabled(@PathParam("kind") String kind, @PathParam("id") String id,
            @FormParam("enabled") String enabled, @FormParam("version") String version,
            @FormParam(ConfirmStep.FIELD) String confirmed) {
        ProviderKind providerKind = kind(kind);
        long entryId = id(kind, id);
        long expected = version(version);
        boolean on = FormBooleans.trueOrFalse("enabled", enabled);
        if (on) {
            // enabling serves it again, so it restarts what a change of the kind's fallbacks restarts: asked first too
            // (b20 L6: one click started a fleet rollout)
            return confirmed(kind, id, version, confirmed, (state, hidden) -> {
                if (state.enabled()) {
                    throw dev.keyhouse.web.AlreadySo.conflict(state.label(), "enabled");
                }
                return new ConfirmStep("Enable " + state.label() + "?", "Runtimes receive it again as a "
                        + state.kind().id() + " fallback (position " + state.position() + "). "
                        + restarts.ofFallback(state.kind().id(), false),
                        action(state, "enabled"), with(hidden, "enabled", "true"), "Enable " + state.label(),
                        "/admin/settings", "Keep it disabled");
            }, state -> change(state.kind(), state.id(), new ProviderEntries.Change(null, true, null),
                    state.version()));
        }
        return confirmed(kind, id, version, confirmed, (state, hidden) -> {
            if (!state.enabled()) {
                // no step offers to disable what is not enabled
                throw dev.keyhouse.web.AlreadySo.conflict(state.label(), "disabled");
            }
            return new ConfirmStep(
                "Disable " + state.label() + "?", "It stays in the " + state.kind().id() + " fallbacks but is no"
                        + " longer served: runtimes skip it until it is enabled again. " + changeRestarts(state),
                action(state, "enabled"), with(hidden, "enabled", "false"), "Disable " + state.label(),
                "/admin/settings", "Keep it enabled");
        }, state -> change(state.kind(), state.id(), new ProviderEntries.Change(null, false, null),
                        state.version()));
    }

    /**
     * Moves a fallback one place: {@code direction=up} (towards the primary) or {@code down}. Moving an enabled
     * fallback changes the order of {@code <KIND>_PROVIDERS} runtimes receive, so it restarts them: without
     * {@code confirmed=yes} the answer is the form step naming those targets, nothing moved. A disabled one (not
     * served), or an enabled one swapping places with a disabled one (the served order stays), moves at once.
     */
    @POST
    @Path("{id}/move")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response move(@PathParam("kind") String kind, @PathParam("id") String id,
            @FormParam("direction") String direction, @FormParam("version") String version,
            @FormParam(ConfirmStep.FIELD) String confirmed) {
        ProviderKind providerKind = kind(kind);
        long entryId = id(kind, id);
        long expected = version(version);
        int step = switch (direction == null ? "" : direction) {
            case "up" -> -1;
            case "down" -> 1;
            default -> throw new FieldErrors().add("direction", "must be up or down");
        };
        ProviderEntries.EntryState current = entries.get(providerKind, entryId);
        List<ProviderEntries.EntryState> listed = entries.list(providerKind);
        long fallbacks = listed.stream().filter(e -> !e.primary()).count();
        if (current.position() + step < 1 || current.position() + step > fallbacks) {
            // nothing to move: no step, no version, no audit entry
            throw new FieldErrors().add("direction", current.label() + " is already the " + (step < 0 ? "first"
                    : "last") + " of the " + providerKind.id() + " fallbacks: it cannot move " + direction);
        }
        java.util.function.Function<ProviderEntries.EntryState, Response> move = state -> change(state.kind(),
                state.id(), new ProviderEntries.Change(null, null, Math.max(1, state.position() + step)),
                state.version());
        // a disabled fallback is not served, and an enabled one swapping places with a disabled one keeps the order
        // runtimes receive: neither restarts anything, so neither asks first
        boolean pastDisabled = listed.stream().anyMatch(e -> !e.primary()
                && e.position() == current.position() + step && !e.enabled());
        if (!current.enabled() || pastDisabled) {
            return change(providerKind, entryId, new ProviderEntries.Change(null, null,
                    Math.max(1, current.position() + step)), expected);
        }
        return confirmed(kind, id, version, confirmed, (state, hidden) -> new ConfirmStep(
                "Move " + state.label() + " " + direction + "?", "It moves from position " + state.position()
                        + " to position " + Math.max(1, state.position() + step) + " of the " + state.kind().id()
                        + " fallbacks, which changes the order runtimes receive. " + changeRestarts(state),
                action(state, "move"), with(hidden, "direction", direction), "Move it " + direction,
                "/admin/settings", "Keep its place"), move);
    }

    /** What a change of an enabled fallback restarts, as the overview says it ({@link SaveRestarts#ofFallback}). */
    private String changeRestarts(ProviderEntries.EntryState state) {
        return restarts.ofFallback(state.kind().id(), true);
    }

    private static List<ConfirmStep.Field> with(List<ConfirmStep.Field> hidden, String name, String value) {
        List<ConfirmStep.Field> fields = new ArrayList<>(hidden);
        fields.add(new ConfirmStep.Field(name, value));
        return fields;
    }

    /**
     * Without {@code confirmed=yes}: the form step (what deleting does), nothing deleted; with it, deleted. The
     * version is checked at both steps.
     */
    @POST
    @Path("{id}/delete")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response delete(@PathParam("kind") String kind, @PathParam("id") String id,
            @FormParam("version") String version, @FormParam(ConfirmStep.FIELD) String confirmed) {
        return confirmed(kind, id, version, confirmed, (state, hidden) -> new ConfirmStep(
                "Delete " + state.label() + "?", "It leaves the " + state.kind().id() + " fallbacks at once (the"
                        + " ones after it move up). " + restarts.ofFallback(state.kind().id(), state.enabled())
                        + " Its stored key is kept only in its history; to use it again, add it again with its key.",
                action(state, "delete"), hidden, "Delete " + state.label(), "/admin/settings", "Keep it"),
                state -> done(state.kind(), entries.delete(state.kind(), state.id(), state.version(),
                        Identities.actor(identity))));
    }

    /**
     * Without {@code confirmed=yes}: the form step (what rolling the fallback back does, which targets it restarts),
     * nothing changed; with it, {@link ProviderEntries#rollback}. 409 page when there is nothing earlier to restore.
     */
    @POST
    @Path("{id}/rollback")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response rollback(@PathParam("kind") String kind, @PathParam("id") String id,
            @FormParam("version") String version, @FormParam(ConfirmStep.FIELD) String confirmed) {
        return confirmed(kind, id, version, confirmed, (state, hidden) -> new ConfirmStep(
                "Roll " + state.label() + " back?", "Its fields and key become those of its newest earlier version"
                        + " with other fields or another key; its place and state stay. "
                        + restarts.ofFallback(state.kind().id(), state.enabled()),
                action(state, "rollback"), hidden, "Roll it back", "/admin/settings", "Keep it as it is"),
                state -> {
                    try {
                        return done(state.kind(), entries.rollback(state.kind(), state.id(), state.version(),
                                Identities.actor(identity)).restartRun());
                    } catch (Conflict refused) {
                        return Response.status(409).entity(Templates.stale(state.label() + " was not rolled back",
                                sentence(refused.getMessage()) + " Nothing was changed.", "/admin/settings",
                                null)).build();
                    }
                });
    }

    /**
     * Without {@code confirmed=yes}: the form step (what swapping with the primary does), nothing changed; with it,
     * the swap (a save of the kind: live check, audit, rollout of the kind's dependent runtimes). The form carries the
     * fallback's {@code version} and the primary's {@code primaryVersion}: when either changed since the page was
     * loaded (another admin made another fallback primary, or saved the kind), 409 with what it is now, nothing
     * changed.
     */
    @POST
    @Path("{id}/primary")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response primary(@PathParam("kind") String kind, @PathParam("id") String id,
            @FormParam("version") String version, @FormParam("primaryVersion") String primaryVersion,
            @FormParam(ConfirmStep.FIELD) String confirmed) {
        ProviderEntries.EntryState current = entries.get(kind(kind), id(kind, id));
        if (!current.enabled()) {
            // refused before the step, not after it: a disabled fallback is never offered as the primary
            return notPrimary(409, current, current.label() + " is disabled: enable it before making it primary");
        }
        long expectedPrimary = version(primaryVersion, "primaryVersion");
        ProviderEntries.EntryState shownPrimary = entries.list(current.kind()).get(0);
        if (shownPrimary.version() != expectedPrimary) {
            return stale(shownPrimary, expectedPrimary, "primaryVersion");
        }
        List<ConfirmStep.Field> primaryField = List.of(new ConfirmStep.Field("primaryVersion",
                String.valueOf(expectedPrimary)));
        return confirmed(kind, id, version, confirmed, primaryField, (state, hidden) -> new ConfirmStep(
                "Make " + state.label() + " the primary?", "Its provider, fields and key become the "
                        + state.kind().title() + " primary, and the current primary (" + shownPrimary.provider()
                        + ") takes its place at position " + state.position() + ", as " + state.kind().id()
                        + " fallback " + state.id() + ". This is a save of "
                        + state.kind().id() + ": its key is checked live first. "
                        + restarts.ofPrimary(state.kind().id()),
                action(state, "primary"), hidden, "Make it primary", "/admin/settings", "Keep the current primary"),
                state -> {
                    ProviderEntries.EntryState primary;
                    try {
                        primary = saves.makePrimary(entries, state.kind(), state.id(), state.version(),
                                expectedPrimary, Identities.actor(identity), null).state();
                    } catch (EntryRefused stale) {
                        ProviderEntries.EntryState nowPrimary = entries.list(state.kind()).get(0);
                        if (nowPrimary.version() != expectedPrimary) {
                            return stale(nowPrimary, expectedPrimary, "primaryVersion");
                        }
                        throw stale;
                    } catch (Conflict refused) {
                        return notPrimary(refused.status(), state, refused.getMessage());
                    } catch (CheckRefused refused) {
                        // the check's own sentences, and a link to where the key can be fixed or overridden
                        return Response.status(422).entity(Templates.stale(state.label() + " was not made primary",
                                refused.getMessage(), "/admin/settings", "/admin/settings/" + state.kind().id()
                                        + "/providers/" + state.id())).build();
                    } catch (ChecksBusy busy) {
                        return notPrimary(503, state, busy.getMessage());
                    }
                    return new SettingsNotice(SettingsNotice.SAVED, state.kind(), primary.restartRun(), null, false)
                            .seeOther(request);
                });
    }

    /**
     * A destructive action behind its {@link ConfirmStep}: 409 when the form's version is not the entry's (at either
     * step), the step without {@code confirmed=yes}, else the action on the entry as the form saw it.
     */
    private Response confirmed(String kind, String id, String version, String confirmed,
            java.util.function.BiFunction<ProviderEntries.EntryState, List<ConfirmStep.Field>, ConfirmStep> step,
            java.util.function.Function<ProviderEntries.EntryState, Response> action) {
        return confirmed(kind, id, version, confirmed, List.of(), step, action);
    }

    /** As above; {@code carried}: further hidden fields the step sends back with the version. */
    private Response confirmed(String kind, String id, String version, String confirmed,
            List<ConfirmStep.Field> carried,
            java.util.function.BiFunction<ProviderEntries.EntryState, List<ConfirmStep.Field>, ConfirmStep> step,
            java.util.function.Function<ProviderEntries.EntryState, Response> action) {
        ProviderKind providerKind = kind(kind);
        long entryId = id(kind, id);
        long expected = version(version);
        ProviderEntries.EntryState state = entries.get(providerKind, entryId);
        if (state.version() != expected) {
            return stale(state, expected);
        }
        if (!ConfirmStep.confirmed(confirmed)) {
            List<ConfirmStep.Field> hidden = new java.util.ArrayList<>();
            hidden.add(new ConfirmStep.Field("version", String.valueOf(expected)));
            hidden.addAll(carried);
            return Response.ok(Templates.confirm(step.apply(state, hidden))).build();
        }
        try {
            return action.apply(state);
        } catch (EntryRefused stale) {
            return stale(entries.get(providerKind, entryId), expected);
        }
    }

    private static Response notPrimary(int status, ProviderEntries.EntryState state, String why) {
        return Response.status(status).entity(Templates.stale(state.label() + " was not made primary",
                sentence(why) + " Nothing was changed.", "/admin/settings", null)).build();
    }

    /** {@code why} ending in one full stop. */
    private static String sentence(String why) {
        return why.endsWith(".") ? why : why + ".";
    }

    /** A change without fields (enable, disable, move): 303 to the overview, or the 409 page when stale. */
    private Response change(ProviderKind kind, long id, ProviderEntries.Change change, long expected) {
        try {
            return done(kind, saves.saveEntry(entries, kind, id, change, expected, Identities.actor(identity), null)
                    .restartRun());
        } catch (EntryRefused stale) {
            return stale(entries.get(kind, id), expected);
        }
    }

    /**
     * An add or a save of fields, with the form again on each refusal; {@code found}: what was already found wrong
     * (the form's version), named with every problem of the fields (nothing is written then).
     */
    private Response write(ProviderKind kind, Long id, long version, FieldErrors found,
            SettingsPage.Submitted submitted, java.util.function.Function<FieldErrors, EntryForm> again) {
        try {
            FieldErrors refused = new FieldErrors().addAll(found);
            String override = submitted.override(refused);
            if (!refused.isEmpty()) {
                // never alone: every problem of the fields comes in the same answer
                saves.refuseEntryWithAll(entries, kind, id, submitted.values(kind), refused);
            }
            ProviderEntries.EntryState saved = saves.saveEntry(entries, kind, id, new ProviderEntries.Change(
                    submitted.values(kind), null, null), version, Identities.actor(identity), override);
            if (id != null && saved.version() == version) {
                // the form held what the entry holds: no version, no audit entry, no rollout, said so
                return new SettingsNotice(SettingsNotice.FALLBACK_UNCHANGED, kind, version, null, false)
                        .seeOther(request);
            }
            return done(kind, saved.restartRun());
        } catch (EntryRefused stale) {
            ProviderEntries.EntryState current = entries.get(kind, id); // only an edit has a version to go stale
            return staleSave(current, version, submitted);
        } catch (FieldErrors errors) {
            return SettingsPage.typedBack(400, formPage(typed(again.apply(errors), kind, submitted)))
                    .build();
        } catch (Conflict conflict) {
            // the typed key, the override box and its reason stay, as in every refusal of this POST (no-store)
            EntryForm form = typed(again.apply(new FieldErrors()), kind, submitted);
            return SettingsPage.typedBack(409, formPage(new EntryForm(form.kind(), form.title(), form.id(),
                    form.version(), form.position(), form.enabled(), form.fields(), form.otherErrors(),
                    conflict.getMessage() + ". Nothing was saved.", null, form.enforce(), null,
                    form.overrideReason(), form.overrideTicked()))).build();
        } catch (CheckRefused refused) {
            EntryForm form = typed(again.apply(new FieldErrors()), kind, submitted);
            return SettingsPage.typedBack(422, formPage(new EntryForm(form.kind(), form.title(), form.id(),
                    form.version(), form.position(), form.enabled(), form.fields(), form.otherErrors(), null,
                    "The key check found " + refused.outcome().summary() + ": "
                            + refused.outcome().result().meaning() + ". Nothing was saved. Enter a working key, or"
                            + " tick \u201cSave even if the check fails\u201d and give a reason.", form.enforce(),
                    null, form.overrideReason(), form.overrideTicked()))).build();
        } catch (ChecksBusy busy) {
            return Response.status(503).header("Retry-After", SettingsResource.BUSY_RETRY_SECONDS)
                    .entity(formPage(withConflict(again.apply(new FieldErrors()), busy.getMessage()
                            + "; nothing was saved: type the key again and save"))).build();
        }
    }

    /**
     * A fallback's edit form read before another admin saved it (issue 20, point 7): 409 with the form carrying the
     * entry's current version, together with the box naming each field the other save changed and its value now (a
     * key by fingerprint only), and who saved when: a second Save is a deliberate overwrite of what the box shows.
     * Each field the admin left as the entry's version {@code expected} had it ({@link ProviderEntries#valuesAt})
     * shows as stored now ({@link SettingsPage#storedWhereUntouched}), so saving the form as offered never undoes the
     * other admin's change to it; each field she changed as typed, the key, override box and reason included
     * (no-store). The box comes with every field error of the form shown, as a save of it would name them.
     */
    private Response staleSave(ProviderEntries.EntryState current, long expected, SettingsPage.Submitted submitted) {
        ProviderKind kind = current.kind();
        Map<String, String> shown = SettingsPage.storedWhereUntouched(kind, submitted.values(kind),
                entries.valuesAt(kind, current.id(), expected).orElse(null), current.values());
        FieldErrors errors = new FieldErrors();
        submitted.override(errors);
        try {
            saves.refuseEntryWithAll(entries, kind, current.id(), shown, errors);
        } catch (FieldErrors all) {
            errors = all;
        }
        EntryForm form = typed(form(kind, current.id(), current.version(), current.position(), current.enabled(),
                shown, current.secrets(), errors, null), kind, submitted);
        Map<String, SecretSummary> keys = new java.util.HashMap<>();
        current.secrets().forEach((json, summary) -> keys.put(json, summary == null ? null
                : referenced.shown(summary)));
        List<StaleChanges.Change> changes = SettingsPage.changes(kind, entries.changedSince(kind, current.id(),
                expected), current.values(), keys);
        return SettingsPage.typedBack(409, Templates.form(form, StaleChanges.of(kind.title() + " fallback "
                + current.id(), current.updatedBy(), current.updatedAt(), current.version(), StaleChanges.SINCE,
                changes))).build();
    }

    /** The form page without a stale save's box. */
    private static TemplateInstance formPage(EntryForm form) {
        return Templates.form(form, null);
    }

    /**
     * The form with each secret as the refused POST typed it ({@link SettingsPage#typed}), the override box and its
     * reason: only for the 400, 409 and 422 answers to that POST, sent {@code no-store}
     * ({@link SettingsPage#typedBack}); a 503 shows it empty.
     */
    private static EntryForm typed(EntryForm form, ProviderKind kind, SettingsPage.Submitted submitted) {
        return new EntryForm(form.kind(), form.title(), form.id(), form.version(), form.position(), form.enabled(),
                SettingsPage.typed(form.fields(), submitted.values(kind)), form.otherErrors(), form.conflict(),
                form.refusal(), form.enforce(), form.overrideError(), submitted.checkOverrideReason,
                submitted.overrideTicked());
    }

    private static EntryForm withConflict(EntryForm form, String conflict) {
        return withConflict(form, conflict, false);
    }

    /** {@code form} with {@code conflict}; {@code keepOverride}: the override box and reason as typed, too. */
    private static EntryForm withConflict(EntryForm form, String conflict, boolean keepOverride) {
        return new EntryForm(form.kind(), form.title(), form.id(), form.version(), form.position(), form.enabled(),
                form.fields(), form.otherErrors(), conflict, null, form.enforce(), form.overrideError(),
                keepOverride ? form.overrideReason() : null, keepOverride && form.overrideTicked());
    }

    private EntryForm form(ProviderEntries.EntryState state, Map<String, String> values, FieldErrors errors,
            String conflict) {
        return form(state.kind(), state.id(), state.version(), state.position(), state.enabled(), values,
                state.secrets(), errors, conflict);
    }

    private EntryForm form(ProviderKind kind, Long id, long version, int position, boolean enabled,
            Map<String, String> values, Map<String, SecretSummary> secrets, FieldErrors errors, String conflict) {
        List<SettingsPage.Field> fields = new ArrayList<>();
        for (SettingField field : kind.fields()) {
            boolean select = field == SettingField.PROVIDER;
            String value = field.secret() || values.get(field.json()) == null ? "" : values.get(field.json());
            SecretSummary stored = field.secret() && secrets.get(field.json()) != null
                    ? referenced.shown(secrets.get(field.json())) : null;
            fields.add(new SettingsPage.Field(field.json(), field.label(), field.secret(), select, value,
                    select ? kind.providers() : List.of(), errors.messageFor(field.json()),
                    SettingsPage.help(kind, field), stored));
        }
        List<String> other = errors.errors().stream()
                .filter(e -> kind.field(e.field()).isEmpty() && !e.field().equals("checkOverrideReason"))
                .map(dev.keyhouse.input.FormBooleans::shown).toList();
        return new EntryForm(kind.id(), kind.title(), id, version, position, enabled, fields, other, conflict, null,
                saves.mode() == CheckMode.ENFORCE && kind.liveCheck(), errors.messageFor("checkOverrideReason"));
    }

    /**
     * 409: the entry changed since the page showed it; nothing written. A version ahead of the current one is no stale
     * page: 400 naming {@code version} ({@link SettingsPage#notAhead}).
     */
    private static Response stale(ProviderEntries.EntryState current, long expected) {
        return stale(current, expected, "version");
    }

    /** {@link #stale(ProviderEntries.EntryState, long)} of the form field {@code field}'s version. */
    private static Response stale(ProviderEntries.EntryState current, long expected, String field) {
        SettingsPage.notAhead(field, expected, current.version());
        return Response.status(409).entity(Templates.stale(current.label() + " changed meanwhile",
                staleMessage(current, expected), "/admin/settings", null)).build();
    }

    private static String staleMessage(ProviderEntries.EntryState current, long expected) {
        return current.label() + " was changed by " + current.updatedBy() + " at "
                + TemplateExtensions.utc(current.updatedAt())
                + " (now version " + current.version() + ", the page showed version " + expected
                + ") while you were looking at it. Nothing was saved: look at it again and apply your change again.";
    }

    private static String action(ProviderEntries.EntryState state, String what) {
        return "/admin/settings/" + state.kind().id() + "/providers/" + state.id() + "/" + what;
    }

    /**
     * 303 to the kind's fallbacks on the overview; after a change that restarts, with the notice linking the rollout
     * (shown once, {@link SettingsNotice}).
     */
    private Response done(ProviderKind kind, Long run) {
        return run == null ? Locations.seeOther(FALLBACKS + kind.id()).build()
                : new SettingsNotice(SettingsNotice.FALLBACK, kind, run, null, false).seeOther(request);
    }

    /** The form's version: 400 naming {@code version} when missing or not a whole number. */
    private static long version(String value) {
        return version(value, "version");
    }

    /** A version the form carries in {@code field}: 400 naming it when missing. */
    private static long version(String value, String field) {
        Long version;
        try {
            version = SettingsPage.formVersion(value);
        } catch (FieldErrors notANumber) {
            throw new FieldErrors().add(field, "must be the whole number the page was rendered with; reload the page");
        }
        if (version == null) {
            throw new FieldErrors().add(field, "is missing from the form; reload the page");
        }
        return version;
    }

    private static ProviderKind kind(String id) {
        return ProviderEntriesResource.kind(id);
    }

    private static long id(String kind, String id) {
        return ProviderEntriesResource.id(kind, id);
    }
}
