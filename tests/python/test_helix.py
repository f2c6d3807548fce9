"""GstTwitch.HelixClient from Python through the typelib: lookups, paging
with limits, errors as GLib.Error, async and cancellation."""
import pytest

from gi.repository import Gio, GLib, GstTwitch

from conftest import run_until, start_helix_fake, stop

TWITCHDEV = "141981764"


def test_user_lookup(client):
    user = client.get_user("TwitchDev")
    assert user.get_id() == TWITCHDEV
    assert user.props.login == "twitchdev"
    assert user.props.display_name == "TwitchDev"
    assert isinstance(user.get_created_at(), GLib.DateTime)
    assert user.get_created_at().get_year() == 2016


def test_users_batched(client):
    users = client.get_users(["twitchdev", "nobody_at_all"])
    assert [u.get_login() for u in users] == ["twitchdev"]


def test_channel_and_stream(client):
    channel = client.get_channel(TWITCHDEV)
    assert channel.get_broadcaster_login() == "twitchdev"
    assert channel.get_title()
    stream = client.get_stream("twitchdev")
    # Live in the fake: viewers, title, started-at.
    assert stream is not None
    assert stream.props.viewer_count >= 0
    assert isinstance(stream.props.started_at, GLib.DateTime)


def test_followers_lazy_with_limit(client):
    pager = client.get_followers(TWITCHDEV, 250)
    it = iter(pager)
    first = next(it)
    # Lazy: only the first page was fetched.
    assert pager.get_fetched() == 100
    assert isinstance(first, GstTwitch.Follower)
    assert first.get_user_login()
    assert isinstance(first.props.followed_at, GLib.DateTime)
    rest = list(it)
    assert 1 + len(rest) == 250
    assert pager.is_done()
    assert pager.get_total() == 1234


def test_followers_all_and_pages(client):
    pager = client.get_followers(TWITCHDEV)
    sizes = [len(page) for page in pager.pages()]
    assert sum(sizes) == 1234
    assert max(sizes) == 100
    assert len({f.get_user_id() for f in client.get_followers(TWITCHDEV)}) == 1234


def test_other_collections(client):
    assert len(list(client.get_top_games(30))) == 30
    assert len(list(client.get_videos(TWITCHDEV, "archive", 5))) == 5
    assert len(list(client.get_clips(TWITCHDEV, 7))) == 7
    assert len(list(client.get_chatters(TWITCHDEV, None, 120))) == 120
    followed = list(client.get_followed(TWITCHDEV, 10))
    assert len(followed) == 10 and followed[0].get_broadcaster_login()


def test_not_found_is_glib_error(client):
    with pytest.raises(GLib.Error) as info:
        client.get_user("nobody_at_all")
    err = info.value
    assert err.matches(GstTwitch.api_error_quark(), GstTwitch.ApiError.NOT_FOUND)
    assert err.domain == "gst-twitch-api-error-quark"
    assert GstTwitch.is_api_error(err, GstTwitch.ApiError.NOT_FOUND)
    assert "nobody_at_all" in err.message


def test_bad_login_refused_before_any_request(client):
    with pytest.raises(GLib.Error) as info:
        client.get_user("../users?id=1")
    assert info.value.matches(GstTwitch.api_error_quark(), GstTwitch.ApiError.BAD_REQUEST)


def test_missing_scope_named(helix_fake):
    # A second fake whose user token may not list followers; the client is
    # configured through its properties, not the environment.
    p, env = start_helix_fake("--scopes", "user:read:follows")
    try:
        client = GstTwitch.HelixClient(helix_url=env["TWITCH_HELIX_URL"], auth_url=env["TWITCH_AUTH_URL"],
                                       client_id=env["TWITCH_CLIENT_ID"])
        client.set_property("oauth-token", env["TWITCH_OAUTH_TOKEN"])
        client.set_property("refresh-token", env["TWITCH_REFRESH_TOKEN"])
        with pytest.raises(GLib.Error) as info:
            list(client.get_followers(TWITCHDEV, 10))
        assert info.value.matches(GstTwitch.api_error_quark(), GstTwitch.ApiError.MISSING_SCOPE)
        assert "moderator:read:followers" in info.value.message
    finally:
        stop(p)


def test_secrets_are_write_only(client):
    pspec = GstTwitch.HelixClient.find_property("oauth-token")
    assert not pspec.flags & GObjectReadable()
    with pytest.raises(TypeError):
        client.get_property("client-secret")


def GObjectReadable():
    from gi.repository import GObject
    return GObject.ParamFlags.READABLE


def test_cache_names(client):
    client.props.cache = "memory"
    assert client.get_user("twitchdev").get_id() == TWITCHDEV
    client.props.cache = "floppy"
    with pytest.raises(GLib.Error) as info:
        client.get_user("twitchdev")
    assert info.value.matches(GstTwitch.api_error_quark(), GstTwitch.ApiError.BAD_REQUEST)


def test_async_user(client):
    result = {}

    def done(source, res):
        result["user"] = source.get_user_finish(res)

    client.get_user_async("twitchdev", None, done)
    run_until(lambda: "user" in result)
    assert result["user"].get_login() == "twitchdev"


def test_async_pager(client):
    pager = client.get_followers(TWITCHDEV, 150)
    pages = []
    done = []

    def got(source, res):
        page = source.next_page_finish(res)
        if not page:  # the end
            done.append(True)
            return
        pages.append(len(page))
        source.next_page_async(None, got)

    pager.next_page_async(None, got)
    run_until(lambda: done)
    assert pages == [100, 50]


def test_cancelled_async(client):
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    result = {}

    def done(source, res):
        try:
            source.get_user_finish(res)
            result["error"] = None
        except GLib.Error as e:
            result["error"] = e

    client.get_user_async("twitchdev", cancellable, done)
    run_until(lambda: "error" in result)
    assert result["error"] is not None
    assert result["error"].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_ingest_list(helix_fake):
    ingests = GstTwitch.Ingest.list_get(None)
    assert len(ingests) > 0
    assert "{stream_key}" in ingests[0].get_url_template()


def test_redaction():
    secret = "fakesecretvalue0000000000000py"
    GstTwitch.secrets_register(secret)
    try:
        assert GstTwitch.secrets_redact(f"key={secret}") == "key=" + "<redacted>"
    finally:
        GstTwitch.secrets_unregister(secret)


def test_token_with_whitespace_refused(helix_fake):
    client = GstTwitch.HelixClient()
    client.set_property("oauth-token", "fake token\r\nX-Injected: 1")
    with pytest.raises(GLib.Error) as info:
        client.get_user("twitchdev")
    assert info.value.matches(GstTwitch.api_error_quark(), GstTwitch.ApiError.UNAUTHORIZED)
    assert "Injected" not in info.value.message


def test_cancelled_in_flight():
    # A Helix that answers after 3 s; the call is cancelled after 0.2 s and
    # must end at once with CANCELLED, not after the answer.
    import time
    p, env = start_helix_fake("--latency-ms", "3000")
    try:
        client = GstTwitch.HelixClient(helix_url=env["TWITCH_HELIX_URL"], auth_url=env["TWITCH_AUTH_URL"],
                                       client_id=env["TWITCH_CLIENT_ID"])
        client.set_property("oauth-token", env["TWITCH_OAUTH_TOKEN"])
        cancellable = Gio.Cancellable()
        result = {}

        def done(source, res):
            try:
                source.get_user_finish(res)
                result["error"] = None
            except GLib.Error as e:
                result["error"] = e
            result["t"] = time.monotonic()

        t0 = time.monotonic()
        client.get_user_async("twitchdev", cancellable, done)
        GLib.timeout_add(200, lambda: cancellable.cancel() and False)
        run_until(lambda: "error" in result, timeout=30)
        assert result["error"] is not None
        assert result["error"].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        assert result["t"] - t0 < 2.5
    finally:
        stop(p)


def test_ingest_list_async(helix_fake):
    result = {}
    GstTwitch.Ingest.list_get_async(None, lambda _src, res: result.setdefault(
        "list", GstTwitch.Ingest.list_get_finish(res)))
    run_until(lambda: "list" in result)
    assert [i.get_name() for i in result["list"]] == [i.get_name() for i in GstTwitch.Ingest.list_get(None)]
