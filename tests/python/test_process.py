"""What must be one per process: the secrets registry behind the redacting
log function is shared by libgsttwitch-1.0 and the plugin (which both carry
the C++ internals), so a stream key set on twitchsink is redacted by
GstTwitch.secrets_redact() and counted once."""
import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst, GstTwitch  # noqa: E402

KEY = "live_fakekey_gobject_000000000000"


def test_plugin_and_library_share_the_registry():
    Gst.init(None)
    before = GstTwitch.secrets_get_count()
    sink = Gst.ElementFactory.make("twitchsink")
    assert sink is not None
    sink.set_property("stream-key", KEY)
    assert GstTwitch.secrets_get_count() == before + 1
    assert GstTwitch.secrets_redact(f"rtmp://x/app/{KEY}") == "rtmp://x/app/<redacted>"
    # And the other way: what the library registers, the plugin's code
    # redacts too (same registry object).
    GstTwitch.secrets_register("fakeappsecret_gobject_0000000000")
    assert GstTwitch.secrets_get_count() == before + 2
    GstTwitch.secrets_unregister("fakeappsecret_gobject_0000000000")
    sink.set_state(Gst.State.NULL)
    del sink
    import gc
    gc.collect()
    assert GstTwitch.secrets_get_count() == before
