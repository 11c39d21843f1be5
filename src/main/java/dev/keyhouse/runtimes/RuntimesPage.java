package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FormBooleans;
import dev.keyhouse.runtimes.command.CommandDriver;
import dev.keyhouse.settings.ProviderEnvironment;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.RolloutNews;
import dev.keyhouse.settings.RuntimeToken;
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
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * {@code /admin/runtimes}: the targets with their latest run and how many runtimes came back on the configuration
 * it rolled out (refreshed by htmx), each target's rollout settings (canary, held, the confirmation that applies, weak ones
 * flagged), every runtime that fetched or reported with its last status report (status, version, detail, age,
 * whether on the current version), an add form and an edit form generated from the driver's fields (read-only for
 * viewers), enable/disable, hold/release, and delete and "restart now", each behind a form step that asks first
 * ({@link ConfirmStep}).
 */
@Path(RuntimesPage.PATH)
@Produces(MediaType.TEXT_HTML)
public class RuntimesPage {

    static final String PATH = "/admin/runtimes";
    private static final Map<String, String> FLASH = Map.of(
            "created", "Runtime target added.",
            "updated", "Runtime target saved.",
            "unchanged", "Nothing changed: the runtime target stays as it was.",
            "enabled", "Runtime target enabled.",
            "disabled", "Runtime target disabled: saves no longer restart it.",
            "deleted", "Runtime target deleted.",
            "held", "Runtime target on hold: rollouts leave it out until it is released.",
            "released", "Runtime target released: rollouts include it again.");

    /**
     * One target in the list, with its latest run (null when it never ran), its rollout settings and the
     * confirmation that applies to it.
     *
     * @param runHeadline the latest run's outcome as its page's headline says it ("not confirmed" included)
     * @param runTone that headline's CSS state class
     * @param share this target's runtimes in that run, counted (one while it is not discovered yet); null when it
     *        never ran
     */
    public record Row(long id, String name, String driver, String dependsOn, boolean enabled,
            RestartRuns.RunReport latest, String runHeadline, String runTone, RunView.Tally share, boolean canary,
            boolean held, Confirmations.Decision confirmation) {

        /** This target's share of its latest run: restarted runtimes, how many confirmed, which failed. */
        static Row of(RuntimeTarget target, RestartRuns.RunReport latest, Confirmations.Decision confirmation) {
            RunView view = latest == null ? null : RunView.of(latest, java.time.Instant.now());
            return new Row(target.id, target.name, target.driver, target.dependsOn, target.enabled, latest,
                    view == null ? null : view.headline(), view == null ? null : view.tone(),
                    latest == null ? null : RunView.Tally.of(latest, r -> r.target().equals(target.name)),
                    target.canary, target.held, confirmation);
        }

        /**
         * This target's runtimes of its latest run that did not confirm: "not yet: ..." while the run is open, the
         * verdict and why once it ended ({@link RunView#unconfirmedText}); empty when none.
         */
        public String unconfirmedText() {
            return latest == null ? "" : RunView.unconfirmedText(latest, r -> r.target().equals(name));
        }

        /**
         * Whether its latest run can still change what this row shows ({@link RestartRuns.RunReport#live}): the list
         * and the target's page poll at the busy interval while it can, at the idle one otherwise.
         */
        public boolean live() {
            return latest != null && latest.live();
        }

        /**
         * Whether the list and the target's page poll at the busy interval for it: its latest run is live and not
         * only waiting on an admin ({@link RestartRuns.RunReport#waitingOnAdmin}: paused, waiting for approval).
         */
        public boolean busy() {
            return live() && !latest.waitingOnAdmin();
        }

        /** Whether some runtime of this target failed to restart in its latest run. */
        public boolean failed() {
            return share != null && !share.failed().isEmpty();
        }
    }

    /**
     * One field of a target's form; {@code stored} says what secret is kept. A secret's value is empty, except in the
     * refusal of the POST that typed it.
     */
    public record Field(String name, String label, boolean required, boolean secret, String value, String help,
            String error, RuntimeTargets.SecretState stored) {
    }

    /** One provider kind's checkbox. */
    public record Kind(String id, String title, boolean checked) {
    }

    /**
     * The add (id null) or edit form of a target; {@code modes} are the confirmation's choices.
     *
     * @param version the edit form's optimistic version ({@link RuntimeTargets#version}), null on the add form
     * @param conflict why nothing was saved (the target changed meanwhile), or null
     * @param loaded the edit form's hidden {@code loaded.<field>} fields: the target as stored at {@code version}
     *        ({@link RuntimesPage#described}), which a stale save's box compares with the target now; empty on the
     *        add form
     */
    public record Form(Long id, String name, String driver, List<String> drivers, List<Kind> kinds,
            boolean enabled, List<Field> fields, String nameError, String driverError, String dependsOnError,
            List<String> otherErrors, boolean readOnly, Rollout rollout, Long version, String conflict,
            List<StaleChanges.Loaded> loaded) {

        public List<String> modes() {
            return Confirmations.MODES;
        }

        /** This form with {@code conflict} said and {@code fields} shown. */
        Form with(List<Field> fields, String conflict) {
            return new Form(id, name, driver, drivers, kinds, enabled, fields, nameError, driverError, dependsOnError,
                    otherErrors, readOnly, rollout, version, conflict, loaded);
        }
    }

    /** A target's rollout settings as the form shows them. */
    public record Rollout(boolean canary, String confirmation, boolean held, String confirmationError) {

        static Rollout of(RuntimeTarget stored, MultivaluedMap<String, String> submitted, FieldErrors errors) {
            if (submitted == null) {
                return stored == null ? new Rollout(false, Confirmations.AUTO, false, null)
                        : new Rollout(stored.canary, stored.confirmation, stored.held, null);
            }
            String confirmation = submitted.getFirst("confirmation");
            return new Rollout(submitted.containsKey("canary"), confirmation == null ? Confirmations.AUTO : confirmation,
                    submitted.containsKey("held"), errors.messageFor("confirmation"));
        }
    }


    /**
     * Every runtime that fetched its configuration by name or reported its status, or that the newest rollouts
     * reached, with the current runtime-config version its fetch or report is compared with; the halted or
     * rolled-back rollouts still waiting for a working key; and why runtimes cannot fetch or report, if they cannot
     * ({@link RuntimeToken#recentWarning(boolean)}, the refused names for admins only), or null.
     */
    public record Fleet(long currentVersion, List<Instance> runtimes, List<RolloutNews.Alert> alerts,
            String tokenWarning) {
    }

    /**
     * One runtime in the list.
     *
     * @param seen its last fetch and report; null when it never fetched by name nor reported
     * @param rollout its place in the newest rollout that reached it (whether it confirmed); null when none did
     */
    public record Instance(String name, RuntimeStatuses.Runtime seen, RolloutOutlook.InRollout rollout) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(List<Row> rows, Fleet fleet, boolean live, Form form, String flash);

        static native TemplateInstance page$targets(List<Row> rows, Fleet fleet, boolean live);

        /** @param sharedConfig why a rollout moves the target's runtimes as one wave, or null */
        /** @param stale the box of a stale save ({@link StaleChanges}), or null */
        static native TemplateInstance edit(Form form, Row row, String sharedConfig, String conflict, String flash,
                StaleChanges stale);

        /** A target's latest-run region alone, for htmx; it polls as {@link Row#live} says. */
        static native TemplateInstance edit$latest(Row row);

        /** The form step before delete and restart now. */
        static native TemplateInstance confirm(ConfirmStep step);
    }

    private final RuntimeTargets targets;
    private final RestartRuns runs;
    private final RuntimeDrivers drivers;
    private final SecurityIdentity identity;

    private final RuntimeStatuses statuses;
    private final ProviderEnvironment environment;
    private final RolloutOutlook rollouts;
    private final Confirmations confirmations;
    private final RuntimeToken token;
    private final HttpServerRequest request;

    public RuntimesPage(RuntimeTargets targets, RestartRuns runs, RuntimeDrivers drivers, SecurityIdentity identity,
            RuntimeStatuses statuses, ProviderEnvironment environment, RolloutOutlook rollouts,
            Confirmations confirmations, RuntimeToken token, HttpServerRequest request) {
        this.request = request;
        this.token = token;
        this.rollouts = rollouts;
        this.confirmations = confirmations;
        this.statuses = statuses;
        this.environment = environment;
        this.targets = targets;
        this.runs = runs;
        this.drivers = drivers;
        this.identity = identity;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response page(@CookieParam(Flash.COOKIE) String flash, @QueryParam("driver") String driver) {
        List<Row> rows = rows();
        String chosen = drivers.find(driver).map(RuntimeDriver::id).orElse(CommandDriver.ID);
        Form form = form(null, null, chosen, ProviderKind.values().length == 0 ? List.of() : allKinds(), true,
                Map.of(), new FieldErrors(), Rollout.of(null, null, null));
        return Flash.shown(request, flash, Templates.page(rows, fleet(), live(rows), form,
                Flash.message(flash, FLASH)));
    }

    /** The targets table alone, for htmx to swap in. */
    @GET
    @Path("live")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance live() {
        List<Row> rows = rows();
        return Templates.page$targets(rows, fleet(), live(rows));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response create(MultivaluedMap<String, String> submitted) {
        TargetInput input = null;
        try {
            FieldErrors read = new FieldErrors();
            input = TargetInput.fromForm(submitted, read);
            targets.create(input, Identities.actor(identity), read);
            return done("created");
        } catch (FieldErrors errors) {
            String driver = drivers.find(first(submitted, "driver")).map(RuntimeDriver::id).orElse(CommandDriver.ID);
            Form form = typed(form(null, first(submitted, "name"), driver,
                    submitted.getOrDefault("dependsOn", List.of()), submitted.containsKey("enabled"),
                    configOf(submitted), errors, Rollout.of(null, submitted, errors)), configOf(submitted), errors);
            List<Row> rows = rows();
            return typedBack(Templates.page(rows, fleet(), live(rows), form, null), errors);
        }
    }
    /**
     * A target's latest-run region alone, for htmx: busy interval while that run can still change
     * ({@link Row#live}), idle otherwise (to see the next run start). 404 for a target that does not exist.
     */
    @GET
    @Path("{id}/latest")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance latest(@PathParam("id") long id) {
        return Templates.edit$latest(row(targets.get(id)));
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response edit(@PathParam("id") long id, @CookieParam(Flash.COOKIE) String flash) {
        RuntimeTarget target = targets.get(id);
        return Flash.shown(request, flash, edit(form(target, target.name, target.driver,
                target.dependsOnKinds(), target.enabled, target.config, new FieldErrors(),
                Rollout.of(target, null, null)), target, Flash.message(flash, FLASH)));
    }

    @POST
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response update(@PathParam("id") long id, MultivaluedMap<String, String> submitted) {
        RuntimeTarget target = targets.get(id);
        FieldErrors read = new FieldErrors();
        Long version = FormVersion.readTime(first(submitted, "version"), RuntimeTargets.version(target), read);
        if (version != null && version != RuntimeTargets.version(target)) {
            return staleSave(target, version, submitted);
        }
        try {
            TargetInput input = TargetInput.fromForm(submitted, read);
            if (version == null) {
                // a refused version is named with every problem of the fields; nothing is saved
                targets.check(id, input.with(target.driver, input.config()), read);
                read.throwIfAny();
            }
            if (target.enabled && !input.enabled() && !ConfirmStep.confirmed(first(submitted, ConfirmStep.FIELD))) {
                // the step only for a form that would be saved: a bad one answers 400 with every error, as any save
                targets.check(id, input.with(target.driver, input.config()), read);
                return Response.ok(confirmSaveDisabled(target, submitted)).build();
            }
            RuntimeTarget saved = targets.update(id, input.with(target.driver, input.config()),
                    Identities.actor(identity), version, read);
            // a form that changed nothing: no new version, no audit entry (an idempotent save)
            return done(RuntimeTargets.version(saved) == version ? "unchanged" : "updated");
        } catch (StaleTarget stale) {
            return staleSave(targets.get(id), version, submitted);
        } catch (FieldErrors errors) {
            Form form = typed(form(target, first(submitted, "name"), target.driver,
                    submitted.getOrDefault("dependsOn", List.of()), submitted.containsKey("enabled"),
                    configOf(submitted), errors, Rollout.of(target, submitted, errors)), configOf(submitted), errors);
            return typedBack(edit(form, target, null), errors);
        }
    }

    /**
     * 409: the target changed since its form was read ({@code expected}, a {@link RuntimeTargets#version}; issue 20,
     * point 7). The edit page with the form as this POST typed it, typed secrets included (no-store), carrying the
     * current version (and the current values as its loaded ones), together with the box of what the other admin
     * changed: each field whose stored value now differs from the one the form was loaded with (its hidden
     * {@code loaded.<field>} fields, {@link #described}), with its value now (a secret by its fingerprint), and who
     * saved when: a second Save is a deliberate overwrite of what the box shows. The admin's own edits are not listed
     * (a field both changed is: it is the other admin's change too). A form without the loaded values (one a script
     * posted) is compared as before: each stored field where it differs from what the form holds, a secret only
     * where one was typed ({@link StaleChanges#DIFFERS}). The loaded values only choose the box's lines: what is
     * saved, and whether, goes by the version alone. A version ahead of the current one is no stale page: 400 naming
     * {@code version} and the time of the last save ({@link FormVersion#timeAhead}). The form shows each field the
     * admin left as loaded as stored now ({@link #storedWhereUntouched}), so saving it as offered never undoes the other admin's
     * change, and names every field error of what it shows with the box.
     */
    private Response staleSave(RuntimeTarget current, long expected, MultivaluedMap<String, String> submitted) {
        FieldErrors ahead = new FieldErrors();
        FormVersion.timeAhead(expected, RuntimeTargets.version(current), ahead);
        ahead.throwIfAny();
        List<StaleChanges.Described> now = described(current);
        java.util.Optional<Map<String, String>> loaded = StaleChanges.loadedWith(submitted, now);
        Map<String, String> asTyped = comparable(typed(form(current, first(submitted, "name"), current.driver,
                submitted.getOrDefault("dependsOn", List.of()), submitted.containsKey("enabled"),
                configOf(submitted), new FieldErrors(), Rollout.of(current, submitted, new FieldErrors())),
                configOf(submitted)));
        MultivaluedMap<String, String> shown = loaded.isEmpty() ? submitted
                : storedWhereUntouched(current, submitted, StaleChanges.untouched(now, loaded.get(), asTyped));
        Map<String, String> config = configOf(shown);
        // every field error of the form shown comes with the box: the second save is then one that can apply
        FieldErrors errors = new FieldErrors();
        try {
            TargetInput input = TargetInput.fromForm(shown, errors);
            targets.check(current.id, input.with(current.driver, input.config()), errors);
        } catch (FieldErrors refused) {
            errors = refused;
        }
        Form typed = typed(form(current, first(shown, "name"), current.driver,
                shown.getOrDefault("dependsOn", List.of()), shown.containsKey("enabled"), config, errors,
                Rollout.of(current, shown, errors)), config);
        List<StaleChanges.Change> changes = StaleChanges.changed(now, loaded.orElseGet(() -> asTyped));
        return Response.status(409).entity(Templates.edit(typed.with(typed.fields(), null), row(current),
                targets.sharedConfig(current), targets.conflict(current), null, StaleChanges.of("Runtime target "
                        + current.name, current.updatedBy, current.updatedAt, null,
                        loaded.isPresent() ? StaleChanges.SINCE : StaleChanges.DIFFERS, changes))).build();
    }

    /**
     * {@code submitted} with each field in {@code untouched} ({@link StaleChanges#untouched}: typed as the form was
     * loaded) as {@code current} stores it now, so a stale form never offers to undo another admin's change to a
     * field the admin left alone; every other field as typed. Secrets are never among them (an empty secret keeps the
     * stored one).
     */
    private static MultivaluedMap<String, String> storedWhereUntouched(RuntimeTarget current,
            MultivaluedMap<String, String> submitted, java.util.Set<String> untouched) {
        MultivaluedMap<String, String> shown = new jakarta.ws.rs.core.MultivaluedHashMap<>();
        submitted.forEach((key, values) -> shown.put(key, new ArrayList<>(values)));
        for (String field : untouched) {
            switch (field) {
                case "name" -> shown.putSingle("name", current.name);
                case "dependsOn" -> shown.put("dependsOn", new ArrayList<>(current.dependsOnKinds()));
                case "enabled" -> box(shown, "enabled", current.enabled);
                case "canary" -> box(shown, "canary", current.canary);
                case "held" -> box(shown, "held", current.held);
                case "confirmation" -> shown.putSingle("confirmation", current.confirmation);
                default -> {
                    if (field.startsWith("config.")) {
                        shown.putSingle(field, current.config.getOrDefault(field.substring("config.".length()), ""));
                    }
                }
            }
        }
        return shown;
    }

    private static void box(MultivaluedMap<String, String> form, String name, boolean checked) {
        if (checked) {
            form.putSingle(name, "on");
        } else {
            form.remove(name);
        }
    }

    /**
     * Each field of {@code target} as stored, as a stale box compares and shows it, by its form field: name,
     * dependsOn (the kinds' ids, sorted, comma-separated; shown by their titles), enabled, canary, held (yes or no),
     * confirmation, each driver field as {@code config.<field>} (a secret by its fingerprint, empty when not set,
     * "unreadable" when it cannot be opened; never its value).
     */
    private List<StaleChanges.Described> described(RuntimeTarget target) {
        List<StaleChanges.Described> fields = new ArrayList<>();
        List<String> kinds = target.dependsOnKinds();
        fields.add(value("name", "Name", target.name));
        fields.add(new StaleChanges.Described("dependsOn", kinds(kinds), StaleChanges.Change.value(KINDS_LABEL,
                String.join(", ", Arrays.stream(ProviderKind.values()).filter(k -> kinds.contains(k.id()))
                        .map(ProviderKind::title).toList()))));
        fields.add(value("enabled", "Enabled", yesNo(target.enabled)));
        fields.add(value("canary", "Canary", yesNo(target.canary)));
        fields.add(value("confirmation", "Confirmation", target.confirmation));
        fields.add(value("held", "Held", yesNo(target.held)));
        Map<String, RuntimeTargets.SecretState> secrets = targets.secrets(target);
        for (DriverField field : drivers.find(target.driver).orElseThrow().fields()) {
            if (field.secret()) {
                RuntimeTargets.SecretState state = secrets.get(field.name());
                String fingerprint = state == null || !state.configured() ? null
                        : state.fingerprint() == null ? "unreadable" : state.fingerprint();
                fields.add(new StaleChanges.Described("config." + field.name(), fingerprint == null ? ""
                        : fingerprint, "unreadable".equals(fingerprint) ? new StaleChanges.Change(field.label(),
                                "unreadable: re-enter it") : StaleChanges.Change.secret(field.label(), fingerprint)));
            } else {
                fields.add(value("config." + field.name(), field.label(),
                        target.config.getOrDefault(field.name(), "")));
            }
        }
        return fields;
    }

    /** The label of a target's dependsOn boxes, as the form and a stale box name them. */
    private static final String KINDS_LABEL = "Restart when these keys change";

    private static StaleChanges.Described value(String field, String label, String value) {
        return new StaleChanges.Described(field, value == null ? "" : value, StaleChanges.Change.value(label, value));
    }

    private static String kinds(List<String> ids) {
        return String.join(",", ids.stream().sorted().toList());
    }

    /**
     * What a form without loaded values holds, compared as {@link #described} says, for the fallback box: a secret
     * only where one was typed (a typed one always differs: it replaces the stored one), none left empty (it keeps
     * the stored one).
     */
    private static Map<String, String> comparable(Form form) {
        Map<String, String> values = new java.util.HashMap<>();
        values.put("name", form.name());
        values.put("dependsOn", kinds(form.kinds().stream().filter(Kind::checked).map(Kind::id).toList()));
        values.put("enabled", yesNo(form.enabled()));
        values.put("canary", yesNo(form.rollout().canary()));
        values.put("confirmation", form.rollout().confirmation());
        values.put("held", yesNo(form.rollout().held()));
        for (Field field : form.fields()) {
            if (!field.secret()) {
                values.put("config." + field.name(), field.value());
            } else if (!field.value().isEmpty()) {
                values.put("config." + field.name(), "\u0000typed");
            }
        }
        return values;
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    /** 409: the edit page of {@code current} with its current values, {@code conflict} saying why nothing changed. */
    private Response refused(RuntimeTarget current, String conflict) {
        Form form = form(current, current.name, current.driver, current.dependsOnKinds(), current.enabled,
                current.config, new FieldErrors(), Rollout.of(current, null, null));
        return Response.status(409).entity(edit(form.with(form.fields(), conflict), current, null))
                .build();
    }

    /** Hold: rollouts leave the target out until it is released; back to the target's page. */
    @POST
    @Path("{id}/hold")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response hold(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        String inRollout = targets.rolloutNote(id, "holding");
        if (!inRollout.isEmpty() && !ConfirmStep.confirmed(confirmed)) {
            // a target in a rollout under way asks first: holding it changes that rollout
            String name = targets.get(id).name;
            return Response.ok(Templates.confirm(new ConfirmStep("Hold runtime target " + name + "?",
                    ("Rollouts leave " + name + " out until it is released." + inRollout).strip(),
                    PATH + "/" + id + "/hold", List.of(), "Hold " + name, PATH + "/" + id, "Keep it in"))).build();
        }
        return held(id, true);
    }

    /** Release: rollouts include the target again; back to the target's page. */
    @POST
    @Path("{id}/release")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response release(@PathParam("id") long id) {
        return held(id, false);
    }

    private Response held(long id, boolean held) {
        targets.setHeld(id, held, Identities.actor(identity));
        return Flash.seeOther(request, PATH + "/" + id, held ? "held" : "released");
    }

    /**
     * Enable ({@code enabled=true}) at once, or disable ({@code enabled=false}) in two steps: without
     * {@code confirmed=yes} the answer is the form step ({@link #confirmDisable}), nothing changed. Disabling a
     * target already disabled (a page read before another admin's change) is a 409 edit page saying so, at either
     * step, nothing changed; enabling one already enabled is a 409 saying so ({@link RuntimeTargets#setEnabled}). Any other {@code enabled}, absent included, is a 400 naming it ({@link FormBooleans#trueOrFalse}).
     */
    @POST
    @Path("{id}/enabled")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response enabled(@PathParam("id") long id, @FormParam("enabled") String enabled,
            @FormParam(ConfirmStep.FIELD) String confirmed) {
        boolean on = FormBooleans.trueOrFalse("enabled", enabled);
        RuntimeTarget target = targets.get(id);
        if (!on && !target.enabled) {
            // a page read before another admin's change: no step offers to disable (or "keep enabled") what is not
            return refused(target, "Runtime target " + target.name + " is already disabled: nothing was changed."
                    + " To enable it, press Enable on the runtimes list, or tick \u201cEnabled\u201d here and save.");
        }
        if (!on && !ConfirmStep.confirmed(confirmed)) {
            return Response.ok(confirmDisable(target, targets.rolloutNote(id, "disabling"))).build();
        }
        targets.setEnabled(id, on, Identities.actor(identity));
        return done(on ? "enabled" : "disabled");
    }

    /**
     * The form step before disable: what disabling does (to a rollout it is in: {@code inRollout}, a
     * {@link RuntimeTargets#rolloutNote}), and the button that does it.
     */
    private static TemplateInstance confirmDisable(RuntimeTarget target, String inRollout) {
        return Templates.confirm(new ConfirmStep("Disable runtime target " + target.name + "?",
                "No save, rollout or shared secret restarts " + target.name + " until it is enabled again: its"
                        + " runtimes keep running as they are, with the configuration they hold now. Nothing is"
                        + " deleted." + inRollout,
                PATH + "/" + target.id + "/enabled", List.of(new ConfirmStep.Field("enabled", "false")),
                "Disable " + target.name, PATH, "Keep it enabled"));
    }

    /**
     * The form step before a save that disables an enabled target (its form's "Enabled" unticked): what disabling
     * does, and a form that saves again with every submitted field carried as a hidden field except the CSRF token
     * and the driver's secrets. A secret typed in the form is not carried (a step never renders one back): the step
     * says so, and confirming keeps the stored one.
     */
    private TemplateInstance confirmSaveDisabled(RuntimeTarget target, MultivaluedMap<String, String> submitted) {
        List<String> secrets = drivers.find(target.driver).orElseThrow().fields().stream()
                .filter(DriverField::secret).map(f -> "config." + f.name()).toList();
        List<ConfirmStep.Field> hidden = new ArrayList<>();
        List<String> typed = new ArrayList<>();
        submitted.forEach((name, values) -> {
            if (secrets.contains(name)) {
                if (values.stream().anyMatch(v -> !v.isEmpty())) {
                    typed.add(name.substring("config.".length()));
                }
            } else if (!name.equals(dev.keyhouse.auth.CsrfTokens.FORM_FIELD) && !name.equals(ConfirmStep.FIELD)) {
                values.forEach(v -> hidden.add(new ConfirmStep.Field(name, v)));
            }
        });
        String secretNote = typed.isEmpty() ? ""
                : " The secret you typed (" + String.join(", ", typed) + ") is not carried through this step:"
                        + " saving here keeps the stored one. To change it, go back and type it again.";
        return Templates.confirm(new ConfirmStep("Save runtime target " + target.name + " disabled?",
                "Its form has \u201cEnabled\u201d unticked: no save, rollout or shared secret restarts " + target.name
                        + " until it is enabled again; its runtimes keep running with the configuration they hold"
                        + " now. The other fields are saved as you submitted them."
                        + targets.rolloutNote(target.id, "disabling") + secretNote,
                PATH + "/" + target.id, hidden, "Save and disable " + target.name, PATH + "/" + target.id,
                "Back to the target, nothing saved"));
    }

    /**
     * The form step before delete: what deleting does (the shared secrets it is unlinked from, and which of them are
     * left with no target), and the button that does it.
     */
    @GET
    @Path("{id}/delete")
    @RolesAllowed(Role.ADMIN_NAME)
    public TemplateInstance confirmDelete(@PathParam("id") long id) {
        RuntimeTarget target = targets.get(id);
        return Templates.confirm(new ConfirmStep("Delete runtime target " + target.name + "?",
                "It leaves this list, and no save restarts it again"
                        + (target.dependsOnKinds().isEmpty() ? ""
                                : " (it depends on " + String.join(", ", target.dependsOnKinds()) + ")")
                        + ". Its runtimes keep running as they are; past runs keep their results. Its settings and"
                        + " stored secrets are deleted and cannot be recovered here."
                        + targets.rolloutNote(id, "deleting") + targets.sharedSecretsNote(id),
                PATH + "/" + id + "/delete", List.of(), "Delete " + target.name, PATH, "Keep it"));
    }

    /** Without {@code confirmed=yes}: the form step ({@link #confirmDelete}), nothing deleted; with it, deleted. */
    @POST
    @Path("{id}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response delete(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
            return Response.ok(confirmDelete(id)).build();
        }
        targets.delete(id, Identities.actor(identity));
        return done("deleted");
    }

    /** The form step before restart now: what it restarts, and the button that does it. */
    @GET
    @Path("{id}/restart")
    @RolesAllowed(Role.ADMIN_NAME)
    public TemplateInstance confirmRestart(@PathParam("id") long id) {
        RuntimeTarget target = targets.get(id);
        return Templates.confirm(new ConfirmStep("Restart " + target.name + " now?",
                "Every runtime of " + target.name + " is restarted at once with the current configuration, "
                        + (target.enabled ? "" : "although the target is disabled, ")
                        + "with no canary and no waves: each is unavailable while it restarts."
                        + targets.restartNowNote(id),
                PATH + "/" + id + "/restart", List.of(), "Restart " + target.name + " now", PATH, "Do not restart"));
    }

    /** Without {@code confirmed=yes}: the form step ({@link #confirmRestart}), nothing restarted; with it, the run. */
    @POST
    @Path("{id}/restart")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response restart(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
            return Response.ok(confirmRestart(id)).build();
        }
        long run = runs.restartNow(id, Identities.actor(identity));
        return Locations.seeOther(RestartPage.PATH + "/" + run).build();
    }

    /** Whether the caller is an admin: only an admin reads a runtime's own output ({@link RuntimeOutput}). */
    private boolean admin() {
        return identity.hasRole(Role.ADMIN_NAME);
    }

    private Response done(String what) {
        return Flash.seeOther(request, PATH, what);
    }

    private List<Row> rows() {
        List<RuntimeTarget> all = targets.list();
        Map<String, RestartRuns.RunReport> latest = runs.latestByTarget(all, admin());
        List<Row> rows = new ArrayList<>();
        for (RuntimeTarget target : all) {
            rows.add(Row.of(target, latest.get(target.name), confirmations.decide(target)));
        }
        // failures first (issue 20, item 4): a target whose latest run failed it is what an operator looks for
        rows.sort(java.util.Comparator.comparingInt(r -> r.failed() ? 0 : 1));
        return rows;
    }

    private Fleet fleet() {
        long current = environment.current().version();
        // the instances table shows each runtime's latest restart error: the runtime's own text for an admin only
        boolean admin = admin();
        return new Fleet(current, instances(statuses.all(current), rollouts.newestByRuntime(admin)), rollouts.alerts(),
                token.recentWarning(admin));
    }

    /**
     * The runtimes seen, each with its place in the newest rollout (a Kubernetes workload's place goes to each of
     * its pods), then the runtimes a rollout reached that were never seen, by name.
     */
    static List<Instance> instances(List<RuntimeStatuses.Runtime> seen, Map<String, RolloutOutlook.InRollout> places) {
        List<Instance> instances = new ArrayList<>();
        java.util.Set<String> placed = new java.util.HashSet<>();
        for (RuntimeStatuses.Runtime runtime : seen) {
            RolloutOutlook.InRollout place = places.get(runtime.name());
            String key = runtime.name();
            if (place == null) {
                key = places.keySet().stream().filter(r -> RuntimeAcks.matches(r, runtime.name())).findFirst()
                        .orElse(null);
                place = key == null ? null : places.get(key);
            }
            if (key != null) {
                placed.add(key);
            }
            instances.add(new Instance(runtime.name(), runtime, place));
        }
        places.entrySet().stream().filter(e -> !placed.contains(e.getKey())).sorted(Map.Entry.comparingByKey())
                .forEach(e -> instances.add(new Instance(e.getKey(), null, e.getValue())));
        return instances;
    }

    private Row row(RuntimeTarget target) {
        return Row.of(target, runs.latestByTarget(List.of(target), admin()).get(target.name),
                confirmations.decide(target));
    }

    /** Poll fast while some target's latest run can still change and not only waits on an admin ({@link Row#busy}). */
    private static boolean live(List<Row> rows) {
        return rows.stream().anyMatch(Row::busy);
    }

    private Form form(RuntimeTarget stored, String name, String driverId, List<String> kinds, boolean enabled,
            Map<String, String> values, FieldErrors errors, Rollout rollout) {
        RuntimeDriver driver = drivers.find(driverId).orElseThrow();
        Map<String, RuntimeTargets.SecretState> secrets = stored == null ? Map.of() : targets.secrets(stored);
        List<Field> fields = new ArrayList<>();
        for (DriverField field : driver.fields()) {
            String value = field.secret() ? "" : values.getOrDefault(field.name(), "");
            fields.add(new Field(field.name(), field.label(), field.required(), field.secret(), value,
                    field.help() + (field.defaultValue() == null ? "" : " Default: " + field.defaultValue() + "."),
                    errors.messageFor("config." + field.name()), secrets.get(field.name())));
        }
        List<Kind> boxes = Arrays.stream(ProviderKind.values())
                .map(k -> new Kind(k.id(), k.title(), kinds.contains(k.id()))).toList();
        List<String> known = List.of("name", "driver", "dependsOn", "confirmation");
        List<String> other = errors.errors().stream()
                .filter(e -> !known.contains(e.field()) && fields.stream().noneMatch(f -> e.field().equals("config." + f.name())))
                .map(dev.keyhouse.input.FormBooleans::shown).toList();
        return new Form(stored == null ? null : stored.id, name == null ? "" : name, driver.id(), drivers.ids(), boxes,
                enabled, fields, errors.messageFor("name"), errors.messageFor("driver"), errors.messageFor("dependsOn"),
                other, !identity.hasRole(Role.ADMIN_NAME), rollout,
                stored == null ? null : RuntimeTargets.version(stored), null,
                stored == null ? List.of() : StaleChanges.loaded(described(stored)));
    }

    /**
     * {@code form} with each secret as the refused POST typed it, refused or not (its message says what to change):
     * only for the 400 answer to that POST ({@link #typedBack}); a 409 (another target holds a
     * field's value) shows none, as a typed secret appears only in a 400 or 422 re-render.
     */
    private static Form typed(Form form, Map<String, String> config, FieldErrors errors) {
        return errors.status() != 400 ? form : typed(form, config);
    }

    /** {@code form} with each secret as typed in {@code config}: only for the no-store answer to the POST typing it. */
    private static Form typed(Form form, Map<String, String> config) {
        List<Field> fields = form.fields().stream().map(f -> !f.secret()
                || FieldRules.shownAgain(config.get(f.name())) == null ? f : new Field(f.name(), f.label(),
                        f.required(), true, config.get(f.name()), f.help(), f.error(), f.stored())).toList();
        return form.with(fields, form.conflict());
    }

    /**
     * A target's page: its form, its latest run, what is rolled out as one wave, and what another target holds of
     * it ({@link RuntimeTargets#conflict}: its restarts fail until that is resolved).
     */
    private TemplateInstance edit(Form form, RuntimeTarget target, String flash) {
        return Templates.edit(form, row(target), targets.sharedConfig(target), targets.conflict(target), flash, null);
    }

    /**
     * A refused form shown again with what its POST typed, secrets included: never cached ({@code no-store} from the
     * HTTP filter, as {@code SettingsPage.typedBack} says). Answered with the
     * refusal's status: 400, or 409 when a field names what another target holds.
     */
    private static Response typedBack(TemplateInstance page, FieldErrors errors) {
        return Response.status(errors.status()).entity(page).build();
    }

    private static List<String> allKinds() {
        return Arrays.stream(ProviderKind.values()).map(ProviderKind::id).toList();
    }

    private static Map<String, String> configOf(MultivaluedMap<String, String> submitted) {
        Map<String, String> config = new java.util.HashMap<>();
        submitted.forEach((key, values) -> {
            if (key.startsWith("config.") && !values.isEmpty()) {
                config.put(key.substring("config.".length()), values.get(0));
            }
        });
        return config;
    }

    private static String first(MultivaluedMap<String, String> form, String key) {
        return form.getFirst(key);
    }
}
