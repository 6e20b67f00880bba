package cn.tongban.signaling.appointment;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import cn.tongban.signaling.verify.ApplicantGate;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * {@code GET /api/slots?hallId=&matterId=&date=YYYY-MM-DD}: a day's bookable slots with free places;
 * {@code POST /api/appointments} {@code {hallId, matterId, start, name, mobile, mobileToken}}: books one and
 * answers 201 with the booking code (shown once; needed to check in with {@code join}). Where the server
 * verifies numbers ({@link ApplicantGate}), the token must be the number's and one number holds at most
 * {@value ApplicantGate#MAX_UPCOMING_BOOKINGS} upcoming bookings.
 */
public final class AppointmentRoutes {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    private static final Pattern MOBILE = Pattern.compile("1[3-9]\\d{9}");

    private final AppointmentService appointments;
    private final Records records;
    private final ApplicantGate gate;

    public AppointmentRoutes(AppointmentService appointments, Records records, ApplicantGate gate) {
        this.appointments = appointments;
        this.records = records;
        this.gate = gate;
    }

    public void slots(RoutingContext ctx) {
        String hallId = ctx.request().getParam("hallId");
        String matterId = ctx.request().getParam("matterId");
        String date = ctx.request().getParam("date");
        if (!valid(hallId) || !valid(matterId)) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "hallId and matterId are required");
            return;
        }
        LocalDate day;
        try {
            day = LocalDate.parse(date == null ? "" : date);
        } catch (DateTimeParseException e) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "date: must look like 2026-03-02");
            return;
        }
        ctx.vertx()
                .executeBlocking(() -> appointments.slots(hallId, matterId, day), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        fail(ctx, ar.cause());
                        return;
                    }
                    long now = System.currentTimeMillis();
                    JsonArray slots = new JsonArray();
                    for (AppointmentService.Slot s : ar.result()) {
                        slots.add(new JsonObject()
                                .put("start", s.start())
                                .put(
                                        "time",
                                        Instant.ofEpochMilli(s.start())
                                                .atZone(AppointmentService.CHINA)
                                                .toLocalTime()
                                                .toString())
                                .put("minutes", s.minutes())
                                .put("capacity", s.capacity())
                                .put("free", s.free())
                                .put("past", s.start() <= now));
                    }
                    ctx.response()
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-cache")
                            .end(new JsonObject().put("slots", slots).encode());
                });
    }

    public void book(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            body = null;
        }
        if (body == null) {
            HttpErrors.send(ctx, ErrorCode.BAD_JSON, "the body must be a JSON object");
            return;
        }
        Object hallId = body.getValue("hallId");
        Object matterId = body.getValue("matterId");
        Object start = body.getValue("start");
        Object name = body.getValue("name");
        Object mobile = body.getValue("mobile");
        Object token = body.getValue("mobileToken");
        if (!(hallId instanceof String h) || !valid(h) || !(matterId instanceof String m) || !valid(m)) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "hallId and matterId are required");
            return;
        }
        if (!(start instanceof Number n) || n.longValue() != n.doubleValue() || n.longValue() <= 0) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "start: the slot's start in epoch milliseconds");
            return;
        }
        if (!(name instanceof String nm)
                || nm.strip().isEmpty()
                || nm.strip().codePointCount(0, nm.strip().length()) > 40
                || nm.codePoints().anyMatch(c -> Character.isISOControl(c) || c == '<' || c == '>')) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "name: 1 to 40 characters");
            return;
        }
        if (!(mobile instanceof String mb) || !MOBILE.matcher(mb).matches()) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "mobile: must be an 11-digit mainland mobile number");
            return;
        }
        if (token != null && !(token instanceof String)) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "mobileToken: must be the token of POST /api/verify/confirm");
            return;
        }
        long at = n.longValue();
        ctx.vertx()
                .executeBlocking(
                        () -> {
                            gate.check((String) token, mb);
                            AppointmentService.Booking b =
                                    appointments.book(h, m, at, nm.strip(), mb, gate.maxUpcomingBookings());
                            records.audit(
                                    "applicant:" + Mask.mobile(mb),
                                    AuditAction.APPOINTMENT_BOOKED,
                                    null,
                                    AuditDetails.of(AuditField.APPOINTMENT, b.appointmentId())
                                            .and(AuditField.HALL, h)
                                            .and(AuditField.MATTER, m)
                                            .and(AuditField.SLOT, at));
                            return b;
                        },
                        false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        fail(ctx, ar.cause());
                        return;
                    }
                    AppointmentService.Booking b = ar.result();
                    ctx.response()
                            .setStatusCode(201)
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-store")
                            .end(new JsonObject()
                                    .put("appointmentId", b.appointmentId())
                                    .put("code", b.code())
                                    .put("hallId", b.hallId())
                                    .put("matterId", b.matterId())
                                    .put("start", b.start())
                                    .put("minutes", b.minutes())
                                    .encode());
                });
    }

    private static boolean valid(String id) {
        return id != null && ID.matcher(id).matches();
    }

    private static void fail(RoutingContext ctx, Throwable t) {
        if (t instanceof ProtocolException pe) {
            HttpErrors.send(ctx, pe.code(), pe.getMessage());
        } else {
            HttpErrors.send(ctx, ErrorCode.INTERNAL, "internal error; nothing was booked");
        }
    }
}
