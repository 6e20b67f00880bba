package cn.tongban.signaling.http;

import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code GET /api/catalog}: the halls, matters, languages and priority groups an applicant chooses from. A
 * matter's {@code materials} are what the applicant brings ("请提前准备好"): the reference data's list
 * without the materials the matter's declaration form generates itself (the signed application form).
 */
final class CatalogHandler implements Handler<RoutingContext> {
    private final ReferenceDataStore refdata;
    private final FormCatalog forms;

    CatalogHandler(ReferenceDataStore refdata, FormCatalog forms) {
        this.refdata = refdata;
        this.forms = forms;
    }

    /** The matter's materials to bring: those its form does not generate (matched by Chinese label). */
    private List<String> toBring(ReferenceData.Matter m) {
        Set<String> generated = forms.form(m.id())
                .map(f -> f.materials().stream()
                        .filter(DeclarationForm.Material::generated)
                        .map(DeclarationForm.Material::label)
                        .collect(Collectors.toSet()))
                .orElse(Set.of());
        return m.materials().stream().filter(x -> !generated.contains(x)).toList();
    }

    @Override
    public void handle(RoutingContext ctx) {
        ReferenceData data = refdata.current();
        JsonArray halls = new JsonArray();
        for (ReferenceData.Hall h : data.halls()) {
            halls.add(new JsonObject()
                    .put("id", h.id())
                    .put("name", h.name())
                    .put("province", h.province())
                    .put("provinceCode", h.provinceCode())
                    .put("city", h.city())
                    .put("cityCode", h.cityCode())
                    .put("district", h.district())
                    .put("districtCode", h.districtCode()));
        }
        JsonArray matters = new JsonArray();
        for (ReferenceData.Matter m : data.matters()) {
            matters.add(new JsonObject()
                    .put("id", m.id())
                    .put("name", m.name())
                    .put("category", m.category())
                    .put("owningHalls", new JsonArray(m.owningHalls()))
                    .put("materials", new JsonArray(toBring(m)))
                    .put("serviceMinutes", m.serviceMinutes())
                    .put("recorded", m.recorded()));
        }
        // Routing choices an applicant makes on joining: language and priority group (docs/protocol.md).
        JsonArray languages = new JsonArray();
        data.routing()
                .languages()
                .forEach(l -> languages.add(new JsonObject().put("id", l.id()).put("name", l.name())));
        JsonArray groups = new JsonArray();
        data.routing()
                .priorityGroups()
                .forEach(g -> groups.add(new JsonObject().put("id", g.id()).put("name", g.name())));
        ctx.response()
                .putHeader("content-type", "application/json; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .end(new JsonObject()
                        .put("halls", halls)
                        .put("matters", matters)
                        .put("languages", languages)
                        .put("priorityGroups", groups)
                        .encode());
    }
}
