package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a clerk closes a session. */
public enum SessionOutcome {
    /** The matter was handled. */
    @JsonProperty("completed")
    COMPLETED,
    /** The matter needs further steps (materials missing, another visit). */
    @JsonProperty("follow_up")
    FOLLOW_UP,
    /** The applicant did not show up or left. */
    @JsonProperty("absent")
    ABSENT
}
