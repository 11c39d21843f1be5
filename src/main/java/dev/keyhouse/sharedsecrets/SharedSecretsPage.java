package dev.keyhouse.sharedsecrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FormBooleans;
import dev.keyhouse.runtimes.RestartRuns;
import dev.keyhouse.web.ConfirmStep;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.FormVersion;
import dev.keyhouse.web.Flash;
import dev.keyhouse.web.Locations;
import dev.keyhouse.web.StaleChanges;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * {@code /admin/shared-secrets}: the list, a create form (a typed value or <em>Generate</em>), and per shared secret
 * a page to change its targets or value, generate a new value and delete it, each a plain POST form (CSRF) carrying
 * the version it was rendered for. Delete is two steps that need no JavaScript: the first POST answers a confirmation
 * form, whose {@code confirmed=yes} deletes. No stored value is ever rendered, a generated one neither; a typed value
 * is shown back only in the refusal of the POST that typed it ({@link Form#value}).
 */
@Path(SharedSecretsPage.PATH)
@Produces(MediaType.TEXT_HTML)
public class SharedSecretsPage {

    static final String PATH = "/admin/shared-secrets";
    /** The flash key of a create that started a restart run: {@code created-<run id>}. */
    private static final java.util.regex.Pattern CREATED_WITH_RUN =
            java.util.regex.Pattern.compile("created-(\\d{1,18})");
    /** The flash key of a save that changed nothing (no version, no audit entry, no run). */
    private static final String UNCHANGED = "unchanged";
    private static final Map<String, String> FLASH = Map.of(
            "created", "Shared secret added.",
            "saved", "Shared secret saved.",
            "generated", "A new value was generated. It is never shown; runtimes receive it from runtime-config.",
            "rolled-back", "Shared secret rolled back: the earlier value is saved as a new version, and its targets"
                    + " restart.",
            "deleted", "Shared secret deleted: its variable is no longer served.");

    /**
     * What a form shows again after a refusal.
     *
     * @param generate whether Generate was chosen
     * @param value the value as typed, refused or not, only in the answer to the POST that typed it (sent
     *        {@code no-store}); else null
     */
    public record Form(String name, String variable, List<Long> targets, boolean generate, FieldErrors errors,
            String value) {

        Form(String name, String variable, List<Long> targets, boolean generate, FieldErrors errors) {
            this(name, variable, targets, generate, errors, null);
        }

        /** This form with the typed value of {@code submitted} kept, refused or not. */
        Form typed(MultivaluedMap<String, String> submitted) {
            return new Form(name, variable, targets, generate, errors,
                    FieldRules.shownAgain(blankToNull(submitted.getFirst("value"))));
        }

        /** The message for a field, or null. */
        public String error(String field) {
            return errors == null ? null : errors.messageFor(field);
        }

        public boolean has(long target) {
            return targets != null && targets.contains(target);
        }
    }

    @CheckedTemplate
    static class Templates {
        /** @param run the restart run a create just started, as it stands now (its notice follows it), or null */
        static native TemplateInstance page(List<SharedSecrets.View> secrets, List<SharedSecrets.Target> targets,
                Form form, String flash, dev.keyhouse.settings.RolloutNews.RunStatus run);

        /**
         * @param stale the box of a stale save ({@link StaleChanges}), or null
         * @param loaded the form's hidden {@code loaded.<field>} fields: {@code secret} as stored
         */
        static native TemplateInstance edit(SharedSecrets.View secret, List<SharedSecrets.Target> targets, Form form,
                String flash, String refusal, StaleChanges stale, List<SharedSecrets.Version> history,
                List<StaleChanges.Loaded> loaded);

        /** The step before Delete: what it does, and the button that does it. */
        static native TemplateInstance delete(SharedSecrets.View secret);

        /** The step before Generate a new value. */
        static native TemplateInstance confirm(ConfirmStep step);
    }

    private final SharedSecrets secrets;
    private final SecurityIdentity identity;
    private final HttpServerRequest request;
    private final dev.keyhouse.settings.RolloutNews runs;

    public SharedSecretsPage(SharedSecrets secrets, SecurityIdentity identity, HttpServerRequest request,
            dev.keyhouse.settings.RolloutNews runs) {
        this.runs = runs;
        this.request = request;
        this.secrets = secrets;
        this.identity = identity;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response page(@CookieParam(Flash.COOKIE) String flash) {
        // "created-<run>": added, and its linked targets restart in that run (linked as a settings save links its run)
        java.util.regex.Matcher created = flash == null ? null : CREATED_WITH_RUN.matcher(flash);
        boolean withRun = created != null && created.matches();
        return Flash.shown(request, flash, Templates.page(secrets.list(), secrets.allTargets(),
                new Form(null, null, List.of(), true, null), Flash.message(withRun ? "created" : flash, FLASH),
                withRun ? runs.status(Long.parseLong(created.group(1))).orElse(null) : null));
    }

    /**
     * Creates one: {@code value} typed, or {@code generate=yes} (the default when no value is typed and no choice is
     * sent). Both at once is a 400 naming {@code generate}, the typed value kept in its field: which one was meant is
     * the admin's to say; {@code generate=no} with no value is a 400 naming {@code value}.
     */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response create(MultivaluedMap<String, String> submitted) {
        // every problem in one answer: the form's own fields are read first, then judged with the rest
        FieldErrors refused = new FieldErrors();
        List<Long> targets = targets(submitted, refused);
        try {
            Boolean generate = null;
            try {
                generate = FormBooleans.yesOrNo(submitted, "generate");
            } catch (FieldErrors e) {
                refused.addAll(e);
            }
            String typed = blankToNull(submitted.getFirst("value"));
            if (Boolean.TRUE.equals(generate) && typed != null) {
                // never drop what was typed: the admin says which one they meant, the value kept in its field
                refused.add("generate", "a value is typed but Generate is chosen: choose \"Use this value\" to save"
                        + " what you typed, or clear the field to generate one. Nothing was saved.");
            }
            if (Boolean.FALSE.equals(generate) && typed == null) {
                // "Use this value" with nothing typed: never a generated value the admin did not ask for
                refused.add("value", "is required when \"Use this value\" is chosen: type the value, or choose"
                        + " Generate. Nothing was saved.");
            }
            SharedSecrets.Input typedInput = new SharedSecrets.Input(submitted.getFirst("name"),
                    submitted.getFirst("variable"), typed, targets);
            if (!refused.isEmpty()) {
                secrets.refuseWithAll(typedInput, true, refused);
            }
            SharedSecrets.Input input = secrets.pinned(new SharedSecrets.Input(typedInput.name(),
                    typedInput.variable(), Boolean.TRUE.equals(generate) ? null : typed, targets), true);
            SharedSecrets.View added = secrets.create(input, Identities.actor(identity));
            return Flash.seeOther(request, PATH, added.restartRun() == null ? "created"
                    : "created-" + added.restartRun());
        } catch (FieldErrors errors) {
            return refused(400, submitted, targets, errors);
        } catch (SharedSecretRefused refusal) {
            Object field = refusal.extensions().get("field");
            return refused(refusal.pageStatus(), submitted, targets,
                    new FieldErrors().add(field == null ? "name" : field.toString(), refusal.onThePage()));
        }
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response edit(@PathParam("id") long id, @CookieParam(Flash.COOKIE) String flash) {
        SharedSecrets.View secret = secrets.get(id);
        // a save that changed nothing: said with the version it stays at (as the settings overview says it)
        String message = UNCHANGED.equals(flash) ? "Nothing changed: shared secret " + secret.name()
                + " stays at version " + secret.version() + "." : Flash.message(flash, FLASH);
        return Flash.shown(request, flash, editPage(secret, form(secret, null), message, null, null));
    }

    /**
     * Saves the targets, name, variable and (when typed) a new value, as of the form's {@code version}: 303 to the
     * restart run it planned, or back to the form (flash {@code saved}) when none.
     */
    @POST
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response save(@PathParam("id") long id, MultivaluedMap<String, String> submitted) {
        try {
            FieldErrors refused = new FieldErrors();
            // a version no page rendered is named with every problem of the fields, on the form as typed
            Long version = FormVersion.read(submitted.getFirst("version"), secrets.get(id).version(), refused);
            SharedSecrets.Input typed = new SharedSecrets.Input(submitted.getFirst("name"),
                    submitted.getFirst("variable"), blankToNull(submitted.getFirst("value")),
                    targets(submitted, refused));
            for (String field : List.of("name", "variable")) {
                // the form always sends both: an emptied one is refused as on the add form, never read as "keep"
                if (blankToNull(submitted.getFirst(field)) == null) {
                    refused.add(field, "is required");
                }
            }
            if (!refused.isEmpty()) {
                secrets.refuseWithAll(typed, false, refused);
            }
            SharedSecrets.Input input = secrets.pinned(typed, false);
            SharedSecrets.View saved = secrets.save(id, input, version, Identities.actor(identity));
            // a planned run is where the change goes on: its page, as a runtime's "restart now" leads there
            return saved.restartRun() == null ? Flash.seeOther(request, PATH + "/" + id,
                    saved.version() == version ? UNCHANGED : "saved")
                    : Locations.seeOther("/admin/restarts/" + saved.restartRun()).build();
        } catch (FieldErrors errors) {
            SharedSecrets.View secret = secrets.get(id);
            Long read = formVersion(submitted);
            if (!errors.names(FormVersion.FIELD) && read != null && read != secret.version()) {
                // stale as well: the box of what changed with the field errors, so the re-rendered form's current
                // version never comes without it (a corrected resubmit would overwrite unseen)
                return staleSave(id, submitted, errors);
            }
            Form form = new Form(submitted.getFirst("name"), submitted.getFirst("variable"),
                    targets(submitted, new FieldErrors()), false, errors).typed(submitted);
            return typedBack(400, editPage(secret, form, null, null, null));
        } catch (SharedSecretRefused refusal) {
            return refusal.status() == 412 ? staleSave(id, submitted, null) : refusedOnEdit(id, refusal);
        }
    }

    /**
     * Another admin saved the shared secret after its form was read (issue 20, point 7): 409 with the form, each
     * field the admin left as loaded (name, variable, targets typed exactly as their {@code loaded.<field>}) as stored
     * now ({@link #storedWhereUntouched}: saving the form as offered never undoes the other admin's change), each
     * field she changed as typed, a typed value included (no-store), carrying the current version (and the current
     * name, variable and targets as its loaded ones), together with the box of what the other admin changed since the form was
     * loaded: the name, variable and targets whose stored value now differs from the one the form was loaded with
     * (its hidden {@code loaded.<field>} fields, {@link #described}), the value by its fingerprint when it changed
     * since the form's version (the history keeps each version's); and who saved when. The admin's own edits are not
     * listed (a field both changed is). A form without the loaded values (one a script posted) has its name,
     * variable and targets compared with what it holds, as before ({@link StaleChanges#DIFFERS}). The loaded values
     * only choose the box's lines: whether anything is saved goes by the version alone. A second Save is a
     * deliberate overwrite of what the box shows. With {@code errors} (a stale form that is also refused), the
     * fields' errors are named in the same answer.
     */
    private Response staleSave(long id, MultivaluedMap<String, String> submitted, FieldErrors errors) {
        SharedSecrets.View secret = secrets.get(id);
        long expected = formVersion(submitted); // a whole number: read by version(id, submitted) or the caller
        Form typed = new Form(submitted.getFirst("name"), submitted.getFirst("variable"),
                targets(submitted, new FieldErrors()), false, errors).typed(submitted);
        List<StaleChanges.Described> now = described(secret);
        java.util.Optional<Map<String, String>> loaded = StaleChanges.loadedWith(submitted, now);
        Map<String, String> asTyped = new java.util.HashMap<>();
        asTyped.put("targets", ids(typed.targets()));
        if (typed.name() != null) {
            asTyped.put("name", typed.name());
        }
        if (typed.variable() != null) {
            asTyped.put("variable", typed.variable());
        }
        Form form = loaded.isEmpty() ? typed
                : storedWhereUntouched(secret, typed, StaleChanges.untouched(now, loaded.get(), asTyped));
        List<StaleChanges.Change> changes = new ArrayList<>(StaleChanges.changed(now, loaded.orElseGet(() -> Map.of(
                "name", java.util.Objects.toString(typed.name(), ""), "variable",
                java.util.Objects.toString(typed.variable(), ""),
                "targets", ids(typed.targets())))));
        String had = secrets.history(id).stream().filter(v -> v.version() == expected)
                .map(SharedSecrets.Version::fingerprint).findFirst().orElse(null);
        if (!java.util.Objects.equals(had, secret.fingerprint())) {
            changes.add(StaleChanges.Change.secret("Value", secret.fingerprint()));
        }
        return typedBack(409, editPage(secret, form, null, null, StaleChanges.of("Shared secret " + secret.name(),
                secret.updatedBy(), secret.updatedAt(), secret.version(),
                loaded.isPresent() ? StaleChanges.SINCE : StaleChanges.DIFFERS, changes)));
    }

    /**
     * {@code typed} with each field in {@code untouched} ({@link StaleChanges#untouched}: typed as the form was loaded)
     * as {@code secret} stores it now, so a stale form never offers to undo another admin's change to a field the
     * admin left alone; every other field as typed, the typed value included. The errors of the fields replaced go
     * (the stored value is the one the next save sends); the others stay.
     */
    private static Form storedWhereUntouched(SharedSecrets.View secret, Form typed, java.util.Set<String> untouched) {
        FieldErrors errors = null;
        if (typed.errors() != null) {
            errors = new FieldErrors();
            for (FieldErrors.FieldError error : typed.errors().errors()) {
                if (!untouched.contains(error.field())) {
                    errors.add(error.field(), error.message());
                }
            }
        }
        return new Form(untouched.contains("name") ? secret.name() : typed.name(),
                untouched.contains("variable") ? secret.variable() : typed.variable(),
                untouched.contains("targets") ? secret.targets().stream().map(SharedSecrets.Target::id).toList()
                        : typed.targets(), typed.generate(), errors, typed.value());
    }

    /**
     * The name, variable and targets of {@code secret} as stored, as a stale box compares and shows them, by form
     * field: {@code targets} as the linked ids, sorted, comma-separated, shown by name. The value is compared by its
     * fingerprint in the history, never carried.
     */
    private static List<StaleChanges.Described> described(SharedSecrets.View secret) {
        return List.of(new StaleChanges.Described("name", secret.name(), StaleChanges.Change.value("Name",
                secret.name())), new StaleChanges.Described("variable", secret.variable(),
                        StaleChanges.Change.value("Variable", secret.variable())),
                new StaleChanges.Described("targets", ids(secret.targets().stream().map(SharedSecrets.Target::id)
                        .toList()), StaleChanges.Change.value("Targets", String.join(", ", secret.targets().stream()
                                .map(SharedSecrets.Target::name).toList()))));
    }

    private static String ids(List<Long> ids) {
        return String.join(",", ids.stream().distinct().sorted().map(String::valueOf).toList());
    }

    /**
     * The edit page of {@code secret} as stored now, with {@code form} (its hidden loaded values are the stored ones,
     * as its version is), a flash, a refusal and a stale save's box, each null when there is none.
     */
    private TemplateInstance editPage(SharedSecrets.View secret, Form form, String flash, String refusal,
            StaleChanges stale) {
        return Templates.edit(secret, secrets.allTargets(), form, flash, refusal, stale, secrets.history(secret.id()),
                StaleChanges.loaded(described(secret)));
    }

    /**
     * Generate a new value, in two steps ({@link ConfirmStep}): without {@code confirmed=yes} the answer is the step,
     * naming the linked targets the new value restarts, nothing changed; with it, the new value.
     */
    @POST
    @Path("{id}/generate")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response generate(@PathParam("id") long id, MultivaluedMap<String, String> submitted) {
        return twoSteps(id, submitted, expected -> generateStep(current(id, expected), expected),
                expected -> secrets.generate(id, expected, Identities.actor(identity)), "generated");
    }

    /**
     * A write in two steps ({@link ConfirmStep}) on the form's {@code version}: without {@code confirmed=yes} the
     * answer is {@code step}, nothing changed; with it, {@code write}, then back to the shared secret's page with
     * {@code flash}. A refusal (stale, unreadable version) is shown on the edit page in the page's words.
     */
    private Response twoSteps(long id, MultivaluedMap<String, String> submitted,
            java.util.function.LongFunction<ConfirmStep> step, java.util.function.LongConsumer write, String flash) {
        try {
            long expected = version(id, submitted);
            if (!ConfirmStep.confirmed(submitted.getFirst(ConfirmStep.FIELD))) {
                return Response.ok(Templates.confirm(step.apply(expected))).build();
            }
            write.accept(expected);
            return Flash.seeOther(request, PATH + "/" + id, flash);
        } catch (SharedSecretRefused refusal) {
            return refusedOnEdit(id, refusal);
        }
    }

    /** The shared secret as a step shows it: a version other than the form's is refused (409) at the step already. */
    private SharedSecrets.View current(long id, long expected) {
        SharedSecrets.View secret = secrets.get(id);
        if (secret.version() != expected) {
            throw SharedSecretRefused.stale(secret, expected);
        }
        return secret;
    }

    /**
     * Which targets a new value restarts, for a step: the enabled linked ones (a held one named: restarted anyway),
     * and the disabled ones named.
     */
    private static String restarts(SharedSecrets.View secret) {
        List<String> restarted = secret.targets().stream().filter(SharedSecrets.Target::enabled)
                .map(SharedSecrets.Target::name).toList();
        List<String> disabled = secret.targets().stream().filter(t -> !t.enabled()).map(SharedSecrets.Target::name)
                .toList();
        return (restarted.isEmpty() ? "No enabled runtime target uses it: nothing is restarted."
                : "Its linked targets restart together, in one run: " + String.join(", ", restarted) + ".")
                + (disabled.isEmpty() ? "" : " Disabled, not restarted: " + String.join(", ", disabled) + ".")
                + (" " + RestartRuns.heldRestartedAnyway(secret.heldRestarted(), "this change")).stripTrailing();
    }

    private static ConfirmStep generateStep(SharedSecrets.View secret, long version) {
        return new ConfirmStep("Generate a new value for " + secret.name() + "?",
                "A new random value replaces the stored one and runtime-config serves it as " + secret.variable()
                        + " at once. " + restarts(secret)
                        + " The current value can be restored from its history.",
                PATH + "/" + secret.id() + "/generate",
                List.of(new ConfirmStep.Field("version", String.valueOf(version))), "Generate a new value",
                PATH + "/" + secret.id(), "Keep the current value");
    }

    /**
     * Roll the value back to the one version {@code to} held, in two steps ({@link ConfirmStep}): without
     * {@code confirmed=yes} the answer is the step, naming the targets it restarts, nothing changed; with it, a new
     * version holding that value ({@link SharedSecrets#rollback}). A version with nothing to restore is refused on the
     * edit page (400 naming it), at the step already.
     */
    @POST
    @Path("{id}/rollback")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response rollback(@PathParam("id") long id, MultivaluedMap<String, String> submitted) {
        try {
            String raw = submitted.getFirst("to");
            if (raw == null || !raw.strip().matches("[0-9]{1,18}")) {
                throw new FieldErrors().add("to", "must be the version to roll back to, a whole number");
            }
            long to = Long.parseLong(raw.strip());
            return twoSteps(id, submitted, expected -> {
                SharedSecrets.View secret = current(id, expected);
                SharedSecrets.Version version = secrets.history(id).stream().filter(v -> v.version() == to)
                        .filter(SharedSecrets.Version::restorable).findFirst().orElseThrow(() -> new FieldErrors()
                                .add("to", "version " + to + " holds no other value that can be restored"));
                return rollbackStep(secret, version, expected);
            }, expected -> secrets.rollback(id, to, expected, Identities.actor(identity)), "rolled-back");
        } catch (FieldErrors errors) {
            SharedSecrets.View secret = secrets.get(id);
            return Response.status(400).entity(editPage(secret, form(secret, null), null,
                    "Nothing was rolled back: " + String.join("; ", errors.errors().stream()
                            .map(e -> e.message()).toList()) + ".", null)).build();
        }
    }

    private static ConfirmStep rollbackStep(SharedSecrets.View secret, SharedSecrets.Version version, long current) {
        return new ConfirmStep("Roll " + secret.name() + " back to the value of version " + version.version() + "?",
                "The value version " + version.version() + " held (fingerprint " + version.fingerprint() + ") is saved"
                        + " again as version " + (current + 1) + " and runtime-config serves it as " + secret.variable()
                        + " at once. " + restarts(secret)
                        + " The current value (fingerprint " + secret.fingerprint() + ") stays in the history.",
                PATH + "/" + secret.id() + "/rollback",
                List.of(new ConfirmStep.Field("version", String.valueOf(current)),
                        new ConfirmStep.Field("to", String.valueOf(version.version()))),
                "Roll back and restart", PATH + "/" + secret.id(), "Keep the current value");
    }

    /** Without {@code confirmed=yes}: the confirmation form; with it, the shared secret is deleted. */
    @POST
    @Path("{id}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response delete(@PathParam("id") long id, MultivaluedMap<String, String> submitted) {
        try {
            long expected = version(id, submitted);
            if (!ConfirmStep.confirmed(submitted.getFirst(ConfirmStep.FIELD))) {
                return Response.ok(Templates.delete(current(id, expected))).build();
            }
            secrets.delete(id, expected, Identities.actor(identity));
            return Flash.seeOther(request, PATH, "deleted");
        } catch (SharedSecretRefused refusal) {
            return refusedOnEdit(id, refusal);
        }
    }

    private Response refused(int status, MultivaluedMap<String, String> submitted, List<Long> targets,
            FieldErrors errors) {
        Form form = new Form(submitted.getFirst("name"), submitted.getFirst("variable"), targets,
                "yes".equals(submitted.getFirst("generate")), errors).typed(submitted); // as shown, not as read
        return typedBack(status, Templates.page(secrets.list(), secrets.allTargets(), form, null, null));
    }

    /**
     * A refused form shown again with what its POST typed (the value included): never cached ({@code no-store} from
     * the HTTP filter, as {@code SettingsPage.typedBack} says).
     */
    private static Response typedBack(int status, TemplateInstance page) {
        return Response.status(status).entity(page).build();
    }

    /** The edit page with a refusal in the page's words ({@link SharedSecretRefused#onThePage}). */
    private Response refusedOnEdit(long id, SharedSecretRefused refusal) {
        SharedSecrets.View secret = secrets.get(id);
        return Response.status(refusal.pageStatus()).entity(editPage(secret, form(secret, null), null,
                refusal.onThePage(), null)).build();
    }

    private static Form form(SharedSecrets.View secret, FieldErrors errors) {
        return new Form(secret.name(), secret.variable(),
                secret.targets().stream().map(SharedSecrets.Target::id).toList(), false, errors);
    }

    /** The form's {@code version} as a whole number, or null when it is missing or not one. */
    private static Long formVersion(MultivaluedMap<String, String> submitted) {
        String version = submitted.getFirst("version");
        try {
            return version == null ? null : Long.valueOf(version.strip());
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    /**
     * The form's {@code version}: what the page was rendered for (If-Match's twin, read by the page's own rule and
     * refused in its words: {@link SharedSecretRefused#formVersion}); one ahead of the current version is a 400 naming
     * it ({@link SharedSecretRefused#noSuchVersion}). A stale one is refused by the write itself (409 on the page).
     */
    private long version(long id, MultivaluedMap<String, String> submitted) {
        String version = submitted.getFirst("version");
        if (version == null || !version.strip().matches("[0-9]{1,18}")) {
            throw SharedSecretRefused.formVersion();
        }
        long given = Long.parseLong(version.strip());
        long current = secrets.get(id).version();
        if (given > current) {
            throw SharedSecretRefused.noSuchVersion(given, current);
        }
        return given;
    }

    /** The checked {@code targets} boxes that are ids; one that is no number is named in {@code errors}. */
    private static List<Long> targets(MultivaluedMap<String, String> submitted, FieldErrors errors) {
        List<Long> ids = new ArrayList<>();
        for (String raw : submitted.getOrDefault("targets", List.of())) {
            if (raw == null || !raw.strip().matches("[0-9]{1,18}")) {
                if (!errors.names("targets")) {
                    errors.add("targets", "must be runtime target ids");
                }
            } else {
                ids.add(Long.parseLong(raw.strip()));
            }
        }
        return ids;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
