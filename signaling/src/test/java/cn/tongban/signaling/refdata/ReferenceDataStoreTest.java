package cn.tongban.signaling.refdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceDataStoreTest {

    @Test
    void seedsTheBuiltInDataOnFirstStart(@TempDir Path dir) throws Exception {
        ReferenceDataStore store = ReferenceDataStore.open(dir, true);
        assertThat(Files.exists(dir.resolve("refdata.yaml"))).isTrue();
        ReferenceData d = store.current();
        assertThat(d.halls()).extracting(ReferenceData.Hall::id).startsWith("cz-wujin-bdc", "nj-gulou-zwfw");
        assertThat(d.matter("property-certificate").orElseThrow().owningHalls()).contains("cz-wujin-bdc");
        assertThat(d.clerksFor("cz-wujin-bdc", "property-certificate")).containsExactlyInAnyOrder("wujin01", "wujin02");
        assertThat(d.hall("sh-qingpu-xzfw").orElseThrow().provinceCode()).isEqualTo("310000");
    }

    @Test
    void reloadsValidEditsAndKeepsThePreviousVersionOnInvalidOnes(@TempDir Path dir) throws Exception {
        ReferenceDataStore store = ReferenceDataStore.open(dir, true);
        AtomicInteger reloads = new AtomicInteger();
        store.onReload(d -> reloads.incrementAndGet());
        Path file = store.file();
        String original = Files.readString(file);

        write(file, original.replace("name: 王丽", "name: 王丽华"), 1);
        assertThat(store.reloadIfChanged()).isTrue();
        assertThat(store.current().clerk("wujin01").orElseThrow().name()).isEqualTo("王丽华");

        // A clerk assigned to a matter their hall does not own: refused, previous data kept.
        write(file, original.replace("matters: [property-certificate]", "matters: [social-insurance-transfer]"), 2);
        assertThat(store.reloadIfChanged()).isFalse();
        assertThat(store.current().clerk("wujin01").orElseThrow().name()).isEqualTo("王丽华");

        write(file, "halls: [ this is : not yaml", 3);
        assertThat(store.reloadIfChanged()).isFalse();
        write(file, original.replace("ticketPrefix: Q", "ticketPrefix: B"), 4);
        assertThat(store.reloadIfChanged()).isFalse();
        write(file, original.replace("owningHalls: [nj-gulou-zwfw, zj", "owningHalls: [nowhere, zj"), 5);
        assertThat(store.reloadIfChanged()).isFalse();
        assertThat(reloads).hasValue(1);
        // Unchanged file: nothing to do.
        assertThat(store.reloadIfChanged()).isFalse();
    }

    @Test
    void recordingPolicyAndSupervisorsComeFromTheFile(@TempDir Path dir) throws Exception {
        ReferenceDataStore store = ReferenceDataStore.open(dir, true);
        ReferenceData d = store.current();
        assertThat(d.matter("property-certificate").orElseThrow().recorded()).isTrue();
        assertThat(d.matter("social-insurance-transfer").orElseThrow().recorded())
                .isFalse();
        assertThat(d.matter("housing-fund-transfer").orElseThrow().recorded()).isFalse(); // absent: off
        assertThat(d.routing().isSupervisor("supervisor01")).isTrue();
        assertThat(d.routing().isSupervisor("wujin01")).isFalse();

        String original = Files.readString(store.file());
        write(store.file(), original.replaceFirst("\n    recording: required", "\n    recording: sometimes"), 1);
        assertThat(store.reloadIfChanged()).isFalse();
        assertThat(store.current().matter("property-certificate").orElseThrow().recorded())
                .isTrue();
    }

    @Test
    void refusesToStartOnAnInvalidFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("refdata.yaml"), "halls: []\nmatters: []\nunknownKey: 1\n");
        assertThatThrownBy(() -> ReferenceDataStore.open(dir, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknownKey");
    }

    private static void write(Path file, String content, int second) throws Exception {
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_800_000_000L + second)));
    }
}
