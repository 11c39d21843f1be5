package dev.keyhouse.settings;

import dev.keyhouse.web.TemplateExtensions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.checks.CheckCard;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.checks.ChecksBusy;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FormBooleans;
import dev.keyhouse.web.ConfirmStep;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.FormVersion;
import dev.keyhouse.web.Flash;
import dev.keyhouse.web.StaleChanges;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** /admin/settings: an overview card per kind, and an edit form per kind (read-only for viewers). */
@Path("/admin/settings")
@Produces(MediaType.TEXT_HTML)
public class SettingsPage {

    /** One kind on the overview. */
    public record Card(String kind, String title, boolean configured, String provider, String detailLabel,
            String detail, String secretLabel, SecretSummary secret, long version, String updatedBy,
            String updatedAt, CheckCard check) {

        /** Whether the kind has a live key check ({@link ProviderKind#liveCheck()}). */
        public boolean liveCheck() {
            return ProviderKind.parse(kind).map(ProviderKind::liveCheck).orElse(false);
        }
    }

    /**
     * One field of the edit form; {@code stored} says what secret is kept. A secret's value is empty, except in the
     * answer to the POST that typed it (see {@link SettingsPage#typedBack}).
     */
    public record Field(String name, String label, boolean secret, boolean select, String value,
            List<String> options, String error, String help, SecretSummary stored) {
    }

    /**
     * The edit form of one kind; {@code checks} is what the form shows of live key checks.
     */
    public record Form(String kind, String title, long version, boolean readOnly, List<Field> fields,
            List<String> otherErrors, Long previousVersion, String updatedBy, String updatedAt, CheckCard check,
            Checks checks) {

        /** Whether the kind has a live key check: without one the form offers no Check key button and says so. */
        public boolean liveCheck() {
            return ProviderKind.parse(kind).map(ProviderKind::liveCheck).orElse(false);
        }

        /** "No live check for livekit: its secrets are saved unchecked." */
        public String noLiveCheck() {
            return ProviderKind.parse(kind).map(k -> "No live check for " + k.id()
                    + ": its secrets are saved unchecked.").orElse(null);
        }
    }

    /**
     * Live key checks on the form.
     *
     * @param enforce whether saves are refused on a blocking result ({@code PROVIDER_CHECK_MODE=enforce}): the
     *        override is offered only then
     * @param result the last check's result, shown next to the secret field; null when none
     * @param refusal why the last save was refused by its check, or null
     * @param overrideOpen whether the override section starts open (after a refusal or a bad reason)
     * @param overrideError the problem with the override's reason, or null
     * @param overrideReason the reason as typed in the POST the form answers, or null
     * @param overrideTicked whether that POST ticked the override
     */
    public record Checks(boolean enforce, CheckView result, String refusal, boolean overrideOpen,
            String overrideError, String overrideReason, boolean overrideTicked) {

        Checks(boolean enforce, CheckView result, String refusal, boolean overrideOpen, String overrideError) {
            this(enforce, result, refusal, overrideOpen, overrideError, null, false);
        }

        Checks with(CheckView view) {
            return new Checks(enforce, view, refusal, overrideOpen, overrideError, overrideReason, overrideTicked);
        }

        Checks typed(Submitted submitted) {
            boolean ticked = submitted.overrideTicked();
            return new Checks(enforce, result, refusal, overrideOpen || ticked, overrideError,
                    submitted.checkOverrideReason, ticked);
        }
    }

    /**
     * One live check as the form shows it next to the secret field: never the key, never a response body.
     *
     * @param error why no check ran (bad input, busy), or null when it ran
     */
    public record CheckView(String result, String meaning, Integer status, String code, String negativeControl,
            long durationMs, String checkedAt, boolean blocks, String error) {

        static CheckView of(CheckOutcome outcome) {
            return new CheckView(outcome.result().json(), outcome.result().meaning(), outcome.status(),
                    outcome.code(), outcome.negativeControl().json(), outcome.durationMs(),
                    outcome.checkedAt().toString(), outcome.result().blocksSave(), null);
        }

        static CheckView error(String message) {
            return new CheckView(null, null, null, null, null, 0, null, false, message);
        }
    }

    /** The submitted form: one parameter per field of any kind, plus the version that was edited. */
    public static class Submitted {
        @FormParam("provider") public String provider;
        @FormParam("model") public String model;
        @FormParam("baseUrl") public String baseUrl;
        @FormParam("organization") public String organization;
        @FormParam("apiVersion") public String apiVersion;
        @FormParam("language") public String language;
        @FormParam("voice") public String voice;
        @FormParam("accountSid") public String accountSid;
        @FormParam("fromNumber") public String fromNumber;
        @FormParam("whatsappFrom") public String whatsappFrom;
        @FormParam("apiKey") public String apiKey;
        @FormParam("authToken") public String authToken;
        @FormParam("apiKeySid") public String apiKeySid;
        @FormParam("apiSecret") public String apiSecret;
        @FormParam("url") public String url;
        @FormParam("endpoint") public String endpoint;
        @FormParam("region") public String region;
        @FormParam("bucket") public String bucket;
        @FormParam("protocol") public String protocol;
        @FormParam("accessKey") public String accessKey;
        @FormParam("secretKey") public String secretKey;
        @FormParam("headers") public String headers;
        @FormParam("version") public String version;
        /** The override checkbox ({@link FormBooleans#checkbox}: true or on when ticked, else left out). */
        @FormParam("checkOverride") public String checkOverride;
        @FormParam("checkOverrideReason") public String checkOverrideReason;

        /**
         * The reason given with a ticked override box, or null when it is not ticked; a box or reason outside its
         * contract joins {@code refused} (and null is returned), so the caller reports it with every other problem.
         */
        String override(FieldErrors refused) {
            try {
                return FormBooleans.checkbox("checkOverride", checkOverride)
                        ? CheckedSaves.overrideReason(checkOverrideReason, "checkOverrideReason") : null;
            } catch (FieldErrors e) {
                refused.addAll(e);
                return null;
            }
        }

        /** Whether the override box shows ticked again: only a value the save would read as ticked. */
        boolean overrideTicked() {
            try {
                return FormBooleans.checkbox("checkOverride", checkOverride);
            } catch (FieldErrors e) {
                return false;
            }
        }

        /** The kind's fields by JSON name. */
        Map<String, String> values(ProviderKind kind) {
            Map<String, String> values = new LinkedHashMap<>();
            for (SettingField field : kind.fields()) {
                values.put(field.json(), value(field));
            }
            return values;
        }

        private String value(SettingField field) {
            return switch (field) {
                case PROVIDER -> provider;
                case MODEL -> model;
                case BASE_URL -> baseUrl;
                case ORGANIZATION -> organization;
                case API_VERSION -> apiVersion;
                case LANGUAGE -> language;
                case VOICE -> voice;
                case ACCOUNT_SID -> accountSid;
                case FROM_NUMBER -> fromNumber;
                case WHATSAPP_FROM -> whatsappFrom;
                case API_KEY -> apiKey;
                case AUTH_TOKEN -> authToken;
                case API_KEY_SID -> apiKeySid;
                case API_SECRET -> apiSecret;
                case URL -> url;
                case ENDPOINT -> endpoint;
                case REGION -> region;
                case BUCKET -> bucket;
                case PROTOCOL -> protocol;
                case ACCESS_KEY -> accessKey;
                case SECRET_KEY -> secretKey;
                case HEADERS -> headers;
            };
        }

        @Override
        public String toString() {
            return "Submitted[" + provider + ", version " + version + "]";
        }
    }

    @CheckedTemplate
    static class Templates {
        /**
         * @param run the restart run the notice's write planned, as it stands now (its notice follows it live), or
         *        null
         * @param live whether a rollout is under way: the stored-state region then looks every 2 s, else every
         *        {@link dev.keyhouse.web.LiveRefresh} interval (10 s)
         */
        static native TemplateInstance overview(List<Card> cards, String notice, RolloutNews.RunStatus run,
                List<RolloutNews.Alert> alerts, boolean live);

        /** The overview's stored-state region (alerts and cards), for htmx to swap whole. */
        static native TemplateInstance overview$state(List<Card> cards, List<RolloutNews.Alert> alerts, boolean live);

        /**
         * @param pageVersion the settings version this page edits (its form's {@code version})
         * @param oob whether the stored keys' summaries in the form are sent for an out-of-band swap (the region's
         *        refresh), not in place (the page)
         */
        /** @param stale the box of a stale save ({@link StaleChanges}), or null */
        static native TemplateInstance edit(Form form, String conflict, StaleChanges stale, long pageVersion,
                boolean live, boolean oob, List<RolloutNews.Alert> alerts);

        /**
         * The edit page's stored-state region, read now: {@code form} is the stored state; when its version is not
         * {@code pageVersion} the region says so, and the stored keys' summaries come along out of band, as do the
         * kind's rollout {@code alerts} and the targets a save restarts.
         */
        static native TemplateInstance edit$state(Form form, long pageVersion, boolean live, boolean oob,
                List<RolloutNews.Alert> alerts);

        /** The fragment htmx puts next to a secret field after Check key. */
        static native TemplateInstance checkResult(CheckView check);

        /** The form step before a rollback. */
        static native TemplateInstance confirm(ConfirmStep step);
    }

    private final ProviderSettings settings;
    private final CheckedSaves saves;
    private final SecurityIdentity identity;
    private final LastChecks lastChecks;
    private final RolloutNews rollouts;

    private final ReferencedSecrets referenced;
    private final SaveRestarts saveRestarts;
    private final HttpServerRequest request;

    public SettingsPage(ProviderSettings settings, CheckedSaves saves, SecurityIdentity identity, LastChecks lastChecks,
            RolloutNews rollouts, ReferencedSecrets referenced, SaveRestarts saveRestarts, HttpServerRequest request) {
        this.request = request;
        this.referenced = referenced;
        this.saveRestarts = saveRestarts;
        this.settings = settings;
        this.saves = saves;
        this.identity = identity;
        this.lastChecks = lastChecks;
        this.rollouts = rollouts;
    }

    /**
     * The overview. The notice of a write just made (saved, rolled back, fallbacks changed, with its restart run and
     * the key check's warning) comes from the flash cookie its redirect set ({@link SettingsNotice}), shown once;
     * its restart run is said as it stands now ({@link RolloutNews#status}): what happens next while it is open
     * (looked at again every 2 s), how it ended once it has, never "rolling out" for a run that has ended.
     */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response overview(@CookieParam(Flash.COOKIE) String flash) {
        SettingsNotice notice = SettingsNotice.parse(flash).orElse(null);
        Long restartRun = notice == null ? null : notice.restartRun();
        RolloutNews.RunStatus run = restartRun == null ? null : rollouts.status(restartRun).orElse(null);
        return Flash.shown(request, flash, Templates.overview(cards(settings.list()),
                notice == null ? null : notice.text(), run, rollouts.alerts(), rollouts.underWay()));
    }

    /**
     * The overview's stored-state region (alerts and cards) as stored now, for htmx's poll: an automatic rollback's
     * new version shows without a reload (breaker 3, point 2).
     */
    @GET
    @Path("state")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance overviewState() {
        return Templates.overview$state(cards(settings.list()), rollouts.alerts(), rollouts.underWay());
    }

    /**
     * The edit page's stored-state region as stored now, for htmx's poll from a page that edits {@code version}: when
     * the stored version is another (an automatic rollback, another admin), it says so and updates the stored keys'
     * summaries in the form out of band; the form keeps what was typed and its version.
     */
    @GET
    @Path("{kind}/state")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance editState(@PathParam("kind") String kind, @QueryParam("version") String version) {
        SettingState state = settings.get(kind(kind));
        Long page = formVersion(version);
        return Templates.edit$state(form(state, state.values(), new FieldErrors(), state.version()),
                page == null ? state.version() : page, rollouts.underWay(), true, alerts(state.kind().id()));
    }

    /** The edit page for {@code form}, which edits {@code form.version()}. */
    private TemplateInstance editPage(Form form, String conflict) {
        return editPage(form, conflict, null);
    }

    /** {@link #editPage(Form, String)} with the box of a stale save, or null. */
    private TemplateInstance editPage(Form form, String conflict, StaleChanges stale) {
        return Templates.edit(form, conflict, stale, form.version(), rollouts.underWay(), false,
                alerts(form.kind()));
    }

    /** The stopped rollouts of {@code kind} still waiting for a working key ({@link RolloutNews#alerts}). */
    private List<RolloutNews.Alert> alerts(String kind) {
        return rollouts.alerts().stream().filter(a -> a.kind().equals(kind)).toList();
    }

    @GET
    @Path("{kind}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance edit(@PathParam("kind") String kind) {
        SettingState state = settings.get(kind(kind));
        return editPage(form(state, state.values(), new FieldErrors(), state.version()), null);
    }

    @POST
    @Path("{kind}")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response save(@PathParam("kind") String kind, @BeanParam Submitted submitted) {
        ProviderKind providerKind = kind(kind);
        Long version = null;
        try {
            // the form's own fields first, but never alone: every other problem comes in the same answer
            FieldErrors refused = new FieldErrors();
            version = FormVersion.read(submitted.version, settings.get(providerKind).version(), refused);
            String override = submitted.override(refused);
            if (!refused.isEmpty()) {
                saves.refuseWithAll(providerKind, submitted.values(providerKind), refused);
            }
            CheckedSaves.Saved saved = saves.save(providerKind, submitted.values(providerKind), version,
                    Identities.actor(identity), override);
            return SettingsNotice.ofSave(providerKind, saved, version).seeOther(request);
        } catch (StaleSetting stale) {
            return staleSave(stale, submitted);
        } catch (CheckRefused refused) {
            SettingState state = settings.get(providerKind);
            Form form = form(state, submitted, new FieldErrors(), version);
            Checks checks = new Checks(true, CheckView.of(refused.outcome()), "The key check found "
                    + refused.outcome().summary() + ": " + refused.outcome().result().meaning() + ". Nothing was"
                    + " saved. Enter a working key, or tick \u201cSave even if the check fails\u201d and give a"
                    + " reason.", true, null).typed(submitted);
            return typedBack(422, editPage(withChecks(form, checks), null)).build();
        } catch (ChecksBusy busy) {
            SettingState state = settings.get(providerKind);
            Form form = form(state, submitted, new FieldErrors(), version);
            Form shown = withChecks(form, form.checks().with(CheckView.error(busy.getMessage() + "; nothing was"
                    + " saved: save again")));
            return typedBack(503, editPage(shown, null)).header("Retry-After",
                    SettingsResource.BUSY_RETRY_SECONDS).build();
        } catch (FieldErrors errors) {
            SettingState state = settings.get(providerKind);
            Form form = form(state, submitted, errors, version == null ? state.version() : version);
            return typedBack(400, editPage(form, null)).build();
        } catch (Conflict clash) {
            // a provider a fallback has (issue 19): the form as typed, key, override box and reason kept (no-store)
            SettingState state = settings.get(providerKind);
            Form form = form(state, submitted, new FieldErrors(), version == null ? state.version() : version);
            return typedBack(409, editPage(form, clash.getMessage() + ". Nothing was saved.")).build();
        }
    }

    /**
     * The form shown again with what the POST carried, typed secrets included ({@link #form(SettingState, Submitted,
     * FieldErrors, long)}): only in this answer, which no cache may keep. {@code Cache-Control: no-store} is sent
     * once, by the HTTP filter on every /admin, /login and /api answer ({@code quarkus.http.filter.no-store} in
     * application.properties); a resource that added it too sent it twice.
     */
    static Response.ResponseBuilder typedBack(int status, TemplateInstance page) {
        return Response.status(status).entity(page);
    }

    /**
     * Check key: checks the form's values live without saving (the typed key, or the stored one when none is
     * typed). For htmx ({@code HX-Request}) the answer is the result fragment, always 200 so htmx shows it next to
     * the field; without htmx, the edit page with the result (400 or 503 when no check ran).
     */
    @POST
    @Path("{kind}/check")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response check(@PathParam("kind") String kind, @BeanParam Submitted submitted,
            @HeaderParam("HX-Request") String htmx) {
        ProviderKind providerKind = kind(kind);
        CheckView view;
        int status = 200;
        FieldErrors errors = new FieldErrors();
        try {
            view = CheckView.of(saves.check(providerKind, submitted.values(providerKind)));
        } catch (FieldErrors e) {
            view = CheckView.error(e.getMessage());
            errors = e;
            status = 400;
        } catch (ChecksBusy e) {
            view = CheckView.error(e.getMessage());
            status = 503;
        }
        if (htmx != null) {
            return Response.ok(Templates.checkResult(view)).build();
        }
        SettingState state = settings.get(providerKind);
        Long version = version(submitted.version);
        Form form = form(state, submitted.values(providerKind), errors, version == null ? state.version() : version);
        return Response.status(status).entity(editPage(withChecks(form, form.checks().with(view)), null))
                .build();
    }

    private static Form withChecks(Form form, Checks checks) {
        return new Form(form.kind(), form.title(), form.version(), form.readOnly(), form.fields(),
                form.otherErrors(), form.previousVersion(), form.updatedBy(), form.updatedAt(), form.check(), checks);
    }

    /**
     * Roll back, in two steps ({@link ConfirmStep}): without {@code confirmed=yes} the answer is the step, saying which
     * version it restores and which targets it restarts ({@link SaveRestarts#ofRollback}), nothing changed; with it,
     * the rollback. A missing, malformed or ahead version is a 400 naming it, a stale one 409 with the current form
     * (nothing typed to keep; REST answers 412), nothing to restore 409.
     */
    @POST
    @Path("{kind}/rollback")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response rollback(@PathParam("kind") String kind, @FormParam("version") String version,
            @FormParam(ConfirmStep.FIELD) String confirmed) {
        ProviderKind providerKind = kind(kind);
        // missing, malformed or ahead: a form no page rendered, a 400 naming version (as every page form's)
        FieldErrors malformed = new FieldErrors();
        Long expected = FormVersion.read(version, settings.get(providerKind).version(), malformed);
        malformed.throwIfAny();
        if (!ConfirmStep.confirmed(confirmed)) {
            return confirmRollback(providerKind, expected);
        }
        try {
            SettingState state = saves.rollback(providerKind, expected, Identities.actor(identity));
            return new SettingsNotice(SettingsNotice.ROLLED_BACK, providerKind, state.restartRun(), null, false)
                    .seeOther(request);
        } catch (StaleSetting stale) {
            // 409 with the current form: nothing typed to keep (REST's If-Match answers 412)
            return conflict(stale, 409);
        } catch (Conflict refused) {
            return refusedRollback(providerKind, onThePage(providerKind, refused));
        }
    }

    /**
     * A rollback's refusal in the page's words: each field that cannot be restored by its label ("API key"), never
     * its JSON name; the problem's detail when it names no field.
     */
    private static String onThePage(ProviderKind kind, Conflict refused) {
        if (!(refused.extensions().get("reasons") instanceof Map<?, ?> reasons) || reasons.isEmpty()) {
            return refused.getMessage();
        }
        List<String> problems = reasons.entrySet().stream().map(e -> kind.field(String.valueOf(e.getKey()))
                .map(SettingField::label).orElse("A stored secret") + " cannot be resolved: " + e.getValue()).toList();
        return "The previous settings version cannot be restored: " + String.join("; ", problems)
                + ". Nothing was rolled back; save a key that resolves instead.";
    }

    /**
     * The rollback's confirmation step; the form again when the form's version is stale or there is nothing to roll
     * back to (409).
     */
    private Response confirmRollback(ProviderKind kind, long expected) {
        SettingState state = settings.get(kind);
        if (state.version() != expected) {
            return conflict(new StaleSetting(state, expected, List.of()), 409);
        }
        if (state.previousVersion() == null) {
            return refusedRollback(kind, "There is no earlier settings version to roll back to.");
        }
        String title = kind.title();
        return Response.ok(Templates.confirm(new ConfirmStep("Roll back " + title + " settings to version "
                + state.previousVersion() + "?", "The fields and the stored key of settings version "
                        + state.previousVersion() + " are restored as a new settings version. "
                        + saveRestarts.ofRollback(kind.id()),
                "/admin/settings/" + kind.id() + "/rollback",
                List.of(new ConfirmStep.Field("version", String.valueOf(expected))),
                "Roll back to settings version " + state.previousVersion(), "/admin/settings/" + kind.id(),
                "Keep the current settings"))).build();
    }

    /** Nothing to restore, or a vault: reference it would restore no longer resolves: the form, saying why (409). */
    private Response refusedRollback(ProviderKind kind, String why) {
        SettingState current = settings.get(kind);
        Form form = form(current, current.values(), new FieldErrors(), current.version());
        return Response.status(409).entity(editPage(form, why)).build();
    }

    /** A stale rollback form: who changed what, the current values in the form (nothing typed), as {@code status}. */
    private Response conflict(StaleSetting stale, int status) {
        SettingState current = stale.current();
        String message = current.updatedBy() + " changed these settings at "
                + TemplateExtensions.utc(current.updatedAt())
                + " (now version " + current.version() + ") while you were editing"
                + (stale.changedFields().isEmpty() ? "" : "; changed: " + String.join(", ", labels(current.kind(),
                        stale.changedFields())))
                + ". Nothing was saved. The form now shows the current values: apply your change again.";
        Form form = form(current, current.values(), new FieldErrors(), current.version());
        return Response.status(status).entity(editPage(form, message)).build();
    }

    /**
     * Someone else saved first (issue 20, point 7): 409 with the form carrying the current version, together with the
     * box naming each field the other save changed and its value now (a secret by fingerprint), and who saved when: a
     * second Save is a deliberate overwrite of what the box shows. The other admin's secrets are never shown, only
     * their fingerprints. Each field the admin left as her form's version had it ({@link StaleSetting#loaded}) shows
     * as stored now ({@link #storedWhereUntouched}), so saving the form as offered never undoes the other admin's
     * change to it; each field she changed shows as typed, a typed secret included ({@link #typedBack}, no-store).
     * The box comes with every field error of the form shown (and the override reason's), as a save of it would
     * name them.
     */
    private Response staleSave(StaleSetting stale, Submitted submitted) {
        SettingState current = stale.current();
        ProviderKind kind = current.kind();
        Map<String, String> shown = storedWhereUntouched(kind, submitted.values(kind), stale.loaded().orElse(null),
                current.values());
        FieldErrors errors = new FieldErrors();
        submitted.override(errors);
        try {
            saves.refuseWithAll(kind, shown, errors);
        } catch (FieldErrors all) {
            errors = all;
        }
        Form form = form(current, shown, submitted, errors, current.version());
        List<StaleChanges.Change> changes = changes(current.kind(), stale.changedFields(), current.values(),
                referenced.shown(current).secrets());
        return typedBack(409, editPage(form, null, StaleChanges.of(current.kind().title() + " settings",
                current.updatedBy(), current.updatedAt(), current.version(), StaleChanges.SINCE, changes))).build();
    }

    /**
     * The values a stale save's form of {@code kind} shows: {@code typed}, with each non-secret field typed exactly as
     * the form's version had it ({@code loaded}, {@link StaleChanges#untouched}; an unset one as empty) replaced by its
     * value {@code stored} now (empty when unset), as the browser posts it next. A secret stays as typed (empty keeps
     * the stored one). With {@code loaded} null (the form's version is not kept), {@code typed} as it is. The
     * settings form and a fallback's ({@link ProviderEntriesPage}) both use it.
     */
    static Map<String, String> storedWhereUntouched(ProviderKind kind, Map<String, String> typed,
            Map<String, String> loaded, Map<String, String> stored) {
        Map<String, String> shown = new LinkedHashMap<>(typed);
        if (loaded == null) {
            return shown;
        }
        List<String> fields = kind.fields().stream().filter(f -> !f.secret()).map(SettingField::json).toList();
        Map<String, String> had = new LinkedHashMap<>();
        fields.forEach(f -> had.put(f, loaded.get(f) == null ? "" : loaded.get(f)));
        for (String field : StaleChanges.untouched(fields, had, typed)) {
            shown.put(field, stored.get(field) == null ? "" : stored.get(field));
        }
        return shown;
    }

    /**
     * The stale save box's lines of {@code kind}'s fields named in {@code changed} (JSON names), in that order: a
     * field's value now from {@code values}, a secret's fingerprint from {@code secrets} (as shown), never its value.
     * The settings form and a fallback's ({@link ProviderEntriesPage}) both use it.
     */
    static List<StaleChanges.Change> changes(ProviderKind kind, List<String> changed, Map<String, String> values,
            Map<String, SecretSummary> secrets) {
        return changed.stream().map(json -> kind.field(json).map(field -> field.secret()
                ? StaleChanges.Change.secret(field.label(), fingerprint(secrets.get(json)))
                : StaleChanges.Change.value(field.label(), values.get(json)))
                .orElseGet(() -> StaleChanges.Change.value(json, values.get(json)))).toList();
    }

    /** What a stale save's box shows of a stored secret: its fingerprint, or null when it is not set or unreadable. */
    private static String fingerprint(SecretSummary summary) {
        return summary == null || !summary.configured() ? null
                : summary.needsReentry() ? "unknown (needs re-entry)" : summary.fingerprint();
    }

    /** The form's labels of {@code kind}'s fields named by their JSON names (the REST answers keep those). */
    private static List<String> labels(ProviderKind kind, List<String> jsonNames) {
        return jsonNames.stream().map(json -> kind.fields().stream().filter(f -> f.json().equals(json))
                .map(SettingField::label).findFirst().orElse(json)).toList();
    }

    /**
     * The form as a POST left it: every field as typed, a typed secret too (its {@code value}), refused or not, the
     * override as ticked and reasoned. Only for the answer to that same POST, sent {@code no-store}
     * ({@link #typedBack}).
     */
    private Form form(SettingState read, Submitted submitted, FieldErrors errors, long version) {
        return form(read, submitted.values(read.kind()), submitted, errors, version);
    }

    /** {@link #form(SettingState, Submitted, FieldErrors, long)} showing {@code values} in place of the typed fields. */
    private Form form(SettingState read, Map<String, String> values, Submitted submitted, FieldErrors errors,
            long version) {
        Form form = form(read, values, errors, version);
        List<Field> fields = typed(form.fields(), values);
        return new Form(form.kind(), form.title(), form.version(), form.readOnly(), fields, form.otherErrors(),
                form.previousVersion(), form.updatedBy(), form.updatedAt(), form.check(),
                form.checks().typed(submitted));
    }

    /**
     * The fields with each secret as typed in {@code values} (its {@code value}), for the answer to the POST that
     * typed it only ({@link #typedBack}), refused or not: its message says what to change (issue 20, point 7). The
     * settings form and a fallback's ({@link ProviderEntriesPage}) both use it.
     */
    static List<Field> typed(List<Field> fields, Map<String, String> values) {
        return fields.stream().map(f -> !f.secret() || FieldRules.shownAgain(values.get(f.name())) == null ? f
                : new Field(f.name(), f.label(), true, f.select(), values.get(f.name()), f.options(), f.error(),
                        f.help(), f.stored())).toList();
    }

    private Form form(SettingState read, Map<String, String> values, FieldErrors errors, long version) {
        SettingState state = referenced.shown(read);
        ProviderKind kind = state.kind();
        List<Field> fields = new ArrayList<>();
        for (SettingField field : kind.fields()) {
            boolean select = field == SettingField.PROVIDER;
            String value = field.secret() || values.get(field.json()) == null ? "" : values.get(field.json());
            fields.add(new Field(field.json(), field.label(), field.secret(), select, value,
                    select ? kind.providers() : List.of(), errors.messageFor(field.json()), help(kind, field),
                    field.secret() ? state.secrets().get(field.json()) : null));
        }
        List<String> other = errors.errors().stream()
                .filter(e -> kind.field(e.field()).isEmpty() && !e.field().equals("checkOverrideReason"))
                .map(dev.keyhouse.input.FormBooleans::shown).toList();
        boolean readOnly = !identity.hasRole(Role.ADMIN_NAME);
        String overrideError = errors.messageFor("checkOverrideReason");
        Checks checks = new Checks(saves.mode() == CheckMode.ENFORCE, null, null, overrideError != null,
                overrideError);
        return new Form(kind.id(), kind.title(), version, readOnly, fields, other, state.previousVersion(),
                state.updatedBy(), state.updatedAt() == null ? null : state.updatedAt().toString(),
                check(state, Instant.now()), checks);
    }

    private List<Card> cards(List<SettingState> states) {
        Instant now = Instant.now();
        return referenced.shown(states).stream().map(state -> card(state, check(state, now))).toList();
    }

    /**
     * The last check of the stored key wherever it was made, from the key's history (a rolled-back key keeps its
     * check: {@link LastChecks#ofKey}); not checked yet when there is none.
     */
    private CheckCard check(SettingState state, Instant now) {
        return CheckCard.of(lastChecks.ofKey(state.kind(), state.values().get("provider"), state.keyFingerprint()).orElse(null), now);
    }

    private static Card card(SettingState state, CheckCard check) {
        SettingField detail = switch (state.kind()) {
            case LLM, STT -> SettingField.MODEL;
            case TTS -> SettingField.VOICE;
            case TELEPHONY -> SettingField.FROM_NUMBER;
            case LIVEKIT -> SettingField.URL;
            case STORAGE -> SettingField.BUCKET;
            case TRACING -> SettingField.ENDPOINT;
        };
        return new Card(state.kind().id(), state.kind().title(), state.configured(),
                state.value(SettingField.PROVIDER), detail.label(), state.value(detail),
                state.secretShown().label(), state.secret(), state.version(), state.updatedBy(),
                state.updatedAt() == null ? null : state.updatedAt().toString(), check);
    }

    static String help(ProviderKind kind, SettingField field) {
        return switch (field) {
            case BASE_URL -> kind == ProviderKind.LLM ? "Leave empty for the provider's default; required for custom."
                    : "Required for custom.";
            case LANGUAGE -> "Optional: a language code such as en, en-US or multi.";
            case ORGANIZATION, API_VERSION -> "Optional.";
            case MODEL -> kind == ProviderKind.TTS ? "Optional." : null;
            case ACCOUNT_SID -> "AC followed by 32 hexadecimal digits.";
            case AUTH_TOKEN -> "32 hexadecimal characters. Or leave it empty and use an API key below (Twilio's"
                    + " recommendation for production).";
            case API_KEY_SID -> "Optional: SK followed by 32 hexadecimal digits, with its secret below.";
            case API_SECRET -> "The secret shown once when the API key was created.";
            case FROM_NUMBER -> "E.164, such as +14155550100.";
            case WHATSAPP_FROM -> "Optional: E.164 or whatsapp:+14155550100.";
            case URL -> "The LiveKit server's URL, such as wss://my-project.livekit.cloud or http://livekit:7880.";
            case ENDPOINT -> kind == ProviderKind.TRACING
                    ? "The OTLP collector's base URL, such as http://otel-collector:4318 (HTTP) or :4317 (gRPC)."
                    : "Required for MinIO, such as http://minio:9000; leave empty for AWS S3.";
            case REGION -> "Optional: a region code such as eu-west-1.";
            case BUCKET -> "3 to 63 lowercase letters, digits, '.' and '-' (S3 bucket naming rules).";
            case PROTOCOL -> "Optional: grpc, http/protobuf or http/json; the exporter's default when empty.";
            case HEADERS -> "Optional: key1=value1,key2=value2, a value's spaces and commas percent-encoded"
                    + " (Authorization=Bearer%20…).";
            case API_KEY -> kind == ProviderKind.LIVEKIT ? "The API key's name, such as APIxxxxxxxx." : null;
            case PROVIDER, VOICE, ACCESS_KEY, SECRET_KEY -> null;
        };
    }

    private static ProviderKind kind(String id) {
        return ProviderKind.inPath(id);
    }

    /**
     * The form's {@code version} field: null when it is missing or blank (the caller answers that as missing), a
     * 400 naming {@code version} when it is present but not a whole number of zero or more.
     */
    public static Long formVersion(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        FieldErrors malformed = new FieldErrors();
        Long version = FormVersion.read(FormVersion.FIELD, value, malformed);
        malformed.throwIfAny();
        return version;
    }

    /**
     * A page form's {@code version} ahead of the current one is no stale page (nothing was saved since it was
     * rendered: no page ever showed that version): a 400 naming {@code version}, "version 99 does not exist (current is
     * 12); reload the page". REST's If-Match keeps its 412.
     *
     * @throws FieldErrors when {@code given} is greater than {@code current}
     */
    public static void notAhead(long given, long current) {
        notAhead(FormVersion.FIELD, given, current);
    }

    /** {@link #notAhead(long, long)} for a form field of another name, e.g. make-primary's {@code primaryVersion}. */
    public static void notAhead(String field, long given, long current) {
        FieldErrors ahead = new FieldErrors();
        FormVersion.ahead(field, given, current, ahead);
        ahead.throwIfAny();
    }

    private static Long version(String value) {
        try {
            return value == null ? null : Long.valueOf(value.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
