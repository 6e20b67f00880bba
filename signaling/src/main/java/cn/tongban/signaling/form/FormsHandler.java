package cn.tongban.signaling.form;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /api/forms/:matterId}: a matter's declaration form as JSON (what the wizard renders). */
public final class FormsHandler implements Handler<RoutingContext> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FormCatalog forms;

    public FormsHandler(FormCatalog forms) {
        this.forms = forms;
    }

    /** The forms served. */
    public FormCatalog catalog() {
        return forms;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String matterId = ctx.pathParam("matterId");
        var form = forms.form(matterId);
        if (form.isEmpty()) {
            ctx.response()
                    .setStatusCode(404)
                    .putHeader("content-type", "application/json; charset=utf-8")
                    .end(new JsonObject()
                            .put(
                                    "error",
                                    new JsonObject()
                                            .put("code", "NO_FORM")
                                            .put("message", "this matter has no declaration form"))
                            .encode());
            return;
        }
        try {
            ctx.response()
                    .putHeader("content-type", "application/json; charset=utf-8")
                    .putHeader("cache-control", "no-cache")
                    .end(JSON.writeValueAsString(form.get()));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
