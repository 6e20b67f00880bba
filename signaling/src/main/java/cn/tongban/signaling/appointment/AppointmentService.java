package cn.tongban.signaling.appointment;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.RoutingConfig;
import cn.tongban.signaling.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Appointments: the slots of {@code refdata.yaml} ({@code slots:}, Beijing time) are booked in the
 * relational store, checked in with the booking code when the applicant joins the queue (the ticket then
 * goes to the head at the slot's start, see {@code queue.Routing}), and released as no-shows when not
 * checked in by the slot's start plus {@code routing.appointmentGraceMinutes}.
 *
 * <p>Consistency across nodes comes from the database: each place of a slot is a seat with a unique
 * index, so two nodes booking the last place at once get one success and one {@code SLOT_FULL}; check-in
 * and release are conditional updates ({@code WHERE status = 'BOOKED'}) that only one caller can win.
 * The booking code is shown once and stored only as a SHA-256 hash. Methods block (JDBC).
 */
public final class AppointmentService {
    public static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
    /** Unambiguous letters and digits (no 0/O, 1/I/L): codes are read out over the phone. */
    private static final char[] CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ".toCharArray();

    /** A bookable slot and how many places are left. */
    public record Slot(long start, int minutes, int capacity, int free) {}

    /** A booking as the applicant receives it: the code is never stored in clear. */
    public record Booking(String appointmentId, String code, String hallId, String matterId, long start, int minutes) {}

    /** A booking as stored. */
    public record Appointment(
            String appointmentId,
            String hallId,
            String matterId,
            long start,
            String name,
            String mobile,
            String status) {}

    private final DataSource ds;
    private final Supplier<ReferenceData> refdata;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public AppointmentService(DataSource ds, Supplier<ReferenceData> refdata, Clock clock) {
        this.ds = ds;
        this.refdata = refdata;
        this.clock = clock;
    }

    /** The slots of a hall and matter on a day (Beijing time), with free places; past slots included. */
    public List<Slot> slots(String hallId, String matterId, LocalDate day) {
        ReferenceData data = refdata.get();
        requireCatalogue(data, hallId, matterId);
        List<Slot> out = new ArrayList<>();
        Map<Long, Integer> booked = bookedCounts(hallId, matterId, day);
        for (RoutingConfig.SlotSchedule s : data.routing().slotsOf(hallId, matterId)) {
            if (!s.days().contains(day.getDayOfWeek())) {
                continue;
            }
            for (var time : s.times()) {
                long start = ZonedDateTime.of(day, time, CHINA).toInstant().toEpochMilli();
                out.add(new Slot(
                        start, s.minutes(), s.capacity(), Math.max(0, s.capacity() - booked.getOrDefault(start, 0))));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Slot::start));
        return out;
    }

    /**
     * Books a place of the slot starting at {@code start}. Fails with {@code NO_SUCH_SLOT} (no slot starts
     * then), {@code SLOT_IN_PAST} (it has begun) or {@code SLOT_FULL}.
     */
    public Booking book(String hallId, String matterId, long start, String name, String mobile) {
        return book(hallId, matterId, start, name, mobile, 0);
    }

    /**
     * The same, refusing with {@code BOOKING_LIMIT} when {@code mobile} already holds {@code maxUpcoming}
     * bookings of slots that have not begun (0: no bound). Counted again after the insert, so that two
     * bookings racing on two nodes cannot both slip under the bound.
     */
    public Booking book(String hallId, String matterId, long start, String name, String mobile, int maxUpcoming) {
        ReferenceData data = refdata.get();
        requireCatalogue(data, hallId, matterId);
        Slot slot = slotAt(data, hallId, matterId, start);
        long now = clock.millis();
        if (start <= now) {
            throw new ProtocolException(ErrorCode.SLOT_IN_PAST, "this slot has already begun");
        }
        String id = "ap-" + HexFormat.of().formatHex(randomBytes(8));
        String code = newCode();
        try (Connection c = ds.getConnection()) {
            if (maxUpcoming > 0 && upcoming(c, mobile, now) >= maxUpcoming) {
                throw bookingLimit(maxUpcoming);
            }
            for (int seat = 0; seat < slot.capacity(); seat++) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO appointment (appointment_id, code_hash, hall_id, matter_id, slot_start, slot_minutes,"
                                + " seat, applicant_name, applicant_mobile, status, booked_at, updated_at)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'BOOKED', ?, ?)")) {
                    ps.setString(1, id);
                    ps.setString(2, hash(code));
                    ps.setString(3, hallId);
                    ps.setString(4, matterId);
                    ps.setLong(5, start);
                    ps.setInt(6, slot.minutes());
                    ps.setInt(7, seat);
                    ps.setString(8, name);
                    ps.setString(9, mobile);
                    ps.setLong(10, now);
                    ps.setLong(11, now);
                    ps.executeUpdate();
                    if (maxUpcoming > 0 && upcoming(c, mobile, now) > maxUpcoming) {
                        try (PreparedStatement del =
                                c.prepareStatement("DELETE FROM appointment WHERE appointment_id = ?")) {
                            del.setString(1, id);
                            del.executeUpdate();
                        }
                        throw bookingLimit(maxUpcoming);
                    }
                    return new Booking(id, code, hallId, matterId, start, slot.minutes());
                } catch (SQLException e) {
                    if (!isUniqueViolation(e)) {
                        throw e;
                    }
                    // That seat is taken (perhaps just now, by another node): try the next one.
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot book", e);
        }
        throw new ProtocolException(ErrorCode.SLOT_FULL, "every place of this slot is booked");
    }

    private static int upcoming(Connection c, String mobile, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM appointment"
                + " WHERE applicant_mobile = ? AND status = 'BOOKED' AND slot_start > ?")) {
            ps.setString(1, mobile);
            ps.setLong(2, now);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static ProtocolException bookingLimit(int max) {
        return new ProtocolException(
                ErrorCode.BOOKING_LIMIT, "this mobile number already holds " + max + " upcoming bookings");
    }

    /** A checked-in appointment: the ticket carries its id and slot start. */
    public record CheckedIn(String appointmentId, long slotStart) {}

    /**
     * Checks in with the booking code for the matter and hall the applicant joins, from the same mobile
     * number. Allowed from {@code routing.checkInEarlyMinutes} before the slot's start until the grace time
     * after it; only once.
     */
    public CheckedIn checkIn(String code, String hallId, String matterId, String mobile) {
        Appointment a = byCode(code);
        if (a == null
                || !a.hallId().equals(hallId)
                || !a.matterId().equals(matterId)
                || !a.mobile().equals(mobile)) {
            throw new ProtocolException(
                    ErrorCode.NO_SUCH_APPOINTMENT, "no appointment with this code for this matter, hall and mobile");
        }
        RoutingConfig config = refdata.get().routing();
        long now = clock.millis();
        if (!"BOOKED".equals(a.status())) {
            throw new ProtocolException(ErrorCode.APPOINTMENT_EXPIRED, "this appointment was already used or released");
        }
        if (now < a.start() - config.checkInEarlyMinutes() * 60_000L) {
            throw new ProtocolException(
                    ErrorCode.APPOINTMENT_NOT_DUE,
                    "check-in opens " + config.checkInEarlyMinutes() + " minutes before the slot");
        }
        if (now > a.start() + config.appointmentGraceMinutes() * 60_000L) {
            throw new ProtocolException(ErrorCode.APPOINTMENT_EXPIRED, "the appointment's grace time has passed");
        }
        if (update(
                        "UPDATE appointment SET status = 'CHECKED_IN', updated_at = ? WHERE appointment_id = ? AND status = 'BOOKED'",
                        now,
                        a.appointmentId())
                != 1) {
            throw new ProtocolException(ErrorCode.APPOINTMENT_EXPIRED, "this appointment was already used or released");
        }
        return new CheckedIn(a.appointmentId(), a.start());
    }

    /** Undoes a check-in whose ticket could not be issued, so the code still works. */
    public void undoCheckIn(String appointmentId) {
        update(
                "UPDATE appointment SET status = 'BOOKED', updated_at = ? WHERE appointment_id = ? AND status = 'CHECKED_IN'",
                clock.millis(),
                appointmentId);
    }

    /**
     * Releases the bookings not checked in by their slot's start plus the grace time: status {@code
     * NO_SHOW}, seat freed. Returns those this call released (each exactly once across nodes).
     */
    public List<Appointment> releaseNoShows() {
        long now = clock.millis();
        long cutoff = now - refdata.get().routing().appointmentGraceMinutes() * 60_000L;
        List<Appointment> due = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT appointment_id, hall_id, matter_id, slot_start, applicant_name, applicant_mobile, status"
                                + " FROM appointment WHERE status = 'BOOKED' AND slot_start < ?")) {
            ps.setLong(1, cutoff);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(row(rs));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read appointments", e);
        }
        List<Appointment> released = new ArrayList<>();
        for (Appointment a : due) {
            if (update(
                            "UPDATE appointment SET status = 'NO_SHOW', seat = NULL, updated_at = ? WHERE appointment_id = ? AND status = 'BOOKED'",
                            now,
                            a.appointmentId())
                    == 1) {
                released.add(new Appointment(
                        a.appointmentId(), a.hallId(), a.matterId(), a.start(), a.name(), a.mobile(), "NO_SHOW"));
            }
        }
        return released;
    }

    /** A booking by id (for tests and tools). */
    public Appointment get(String appointmentId) {
        return query(
                "SELECT appointment_id, hall_id, matter_id, slot_start, applicant_name, applicant_mobile, status"
                        + " FROM appointment WHERE appointment_id = ?",
                appointmentId);
    }

    private Appointment byCode(String code) {
        return query(
                "SELECT appointment_id, hall_id, matter_id, slot_start, applicant_name, applicant_mobile, status"
                        + " FROM appointment WHERE code_hash = ?",
                hash(code.toUpperCase(java.util.Locale.ROOT)));
    }

    private Appointment query(String sql, String arg) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read appointments", e);
        }
    }

    private static Appointment row(ResultSet rs) throws SQLException {
        return new Appointment(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7));
    }

    private int update(String sql, long now, String id) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, now);
            ps.setString(2, id);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot update appointment " + id, e);
        }
    }

    private Map<Long, Integer> bookedCounts(String hallId, String matterId, LocalDate day) {
        long from = day.atStartOfDay(CHINA).toInstant().toEpochMilli();
        long to = day.plusDays(1).atStartOfDay(CHINA).toInstant().toEpochMilli();
        Map<Long, Integer> out = new HashMap<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT slot_start, COUNT(*) FROM appointment WHERE hall_id = ? AND matter_id = ?"
                                + " AND slot_start >= ? AND slot_start < ? AND seat IS NOT NULL GROUP BY slot_start")) {
            ps.setString(1, hallId);
            ps.setString(2, matterId);
            ps.setLong(3, from);
            ps.setLong(4, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getInt(2));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read appointments", e);
        }
        return out;
    }

    private static void requireCatalogue(ReferenceData data, String hallId, String matterId) {
        ReferenceData.Matter matter = data.matter(matterId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.UNKNOWN_MATTER, "unknown matter " + matterId));
        if (data.hall(hallId).isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_HALL, "unknown hall " + hallId);
        }
        if (!matter.owningHalls().contains(hallId)) {
            throw new ProtocolException(ErrorCode.UNKNOWN_MATTER, "hall " + hallId + " does not handle " + matterId);
        }
    }

    private static Slot slotAt(ReferenceData data, String hallId, String matterId, long start) {
        ZonedDateTime at = Instant.ofEpochMilli(start).atZone(CHINA);
        for (RoutingConfig.SlotSchedule s : data.routing().slotsOf(hallId, matterId)) {
            if (s.days().contains(at.getDayOfWeek())
                    && s.times().contains(at.toLocalTime())
                    && at.getSecond() == 0
                    && at.getNano() == 0) {
                return new Slot(start, s.minutes(), s.capacity(), s.capacity());
            }
        }
        throw new ProtocolException(ErrorCode.NO_SUCH_SLOT, "no bookable slot of this hall and matter starts then");
    }

    private static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    private String newCode() {
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            sb.append(CODE_ALPHABET[random.nextInt(CODE_ALPHABET.length)]);
        }
        return sb.toString();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String hash(String code) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
