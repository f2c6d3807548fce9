"""GstTwitch.ChatClient and GstTwitch.ChatMessage from Python through the
typelib, against the TMI fake: messages with emotes by code point, signals on
the caller's main context, sending within Twitch's limits."""
import json
import threading

import pytest

from gi.repository import GLib, GstTwitch

from conftest import run_until

EMOJI_LINE = ("@badge-info=subscriber/14;badges=subscriber/12,bits/100;bits=100;color=#1E90FF;"
              "display-name=Ann;emotes=25:2-6,15-19;id=6b7f6a1e-0000-4000-8000-000000000001;"
              "tmi-sent-ts=1700000000000;user-id=42 :ann!ann@ann.tmi.twitch.tv PRIVMSG #pytest "
              ":\U0001F600 Kappa and \u00e9\u00e9 Kappa")

SUB_LINE = ("@badges=subscriber/0;display-name=Bob;emotes=;id=6b7f6a1e-0000-4000-8000-000000000002;"
            "login=bob;msg-id=resub;msg-param-cumulative-months=14;msg-param-streak-months=2;"
            "msg-param-sub-plan=1000;room-id=1;system-msg=Bob\\ssubscribed\\sfor\\s14\\smonths!;"
            "tmi-sent-ts=1700000000001;user-id=43 :tmi.twitch.tv USERNOTICE #pytest :great stream")


def make_client(fake, **props):
    chat = GstTwitch.ChatClient(server=fake.server, **props)
    state = {"messages": [], "joined": [], "outcomes": {}, "states": [], "threads": set()}

    def on_message(c, m):
        state["threads"].add(threading.get_ident())
        state["messages"].append(m)

    chat.connect("message", on_message)
    chat.connect("joined", lambda c, ch: state["joined"].append(ch))
    chat.connect("send-outcome", lambda c, i, o, r, mid: state["outcomes"].__setitem__(i, (o, r)))
    chat.connect("state-changed", lambda c, s, a, d, r: state["states"].append(s))
    return chat, state


def privmsgs(state):
    return [m for m in state["messages"] if m.get_kind() == GstTwitch.ChatKind.PRIVMSG]


def test_parse_emotes_by_code_point():
    m = GstTwitch.ChatMessage.parse(EMOJI_LINE)
    text = m.get_text()
    emotes = m.get_emotes()
    assert [(e.id, e.start, e.end) for e in emotes] == [("25", 2, 6), ("25", 15, 19)]
    # Python strings index by code point, as Twitch counts.
    assert [text[e.start:e.end + 1] for e in emotes] == ["Kappa", "Kappa"]
    assert [(b.name, b.version) for b in m.get_badges()] == [("subscriber", "12"), ("bits", "100")]
    assert m.props.bits == 100
    assert m.get_tag("badge-info") == "subscriber/14"
    assert m.get_tag("nope") is None
    assert "tmi-sent-ts" in m.get_tag_names()


def test_parse_error_is_glib_error():
    with pytest.raises(GLib.Error) as info:
        GstTwitch.ChatMessage.parse("")
    assert info.value.matches(GstTwitch.chat_error_quark(), GstTwitch.ChatError.PARSE)


def test_messages_and_usernotice_from_server(tmi_fake):
    chat, state = make_client(tmi_fake)
    chat.join("#PyTest")
    chat.start()
    try:
        run_until(lambda: state["joined"])
        assert state["joined"] == ["pytest"]
        assert GstTwitch.ChatState.CONNECTED in state["states"]
        assert chat.get_state() == GstTwitch.ChatState.CONNECTED
        assert chat.get_nick().startswith("justinfan")
        tmi_fake.command("raw " + EMOJI_LINE)
        tmi_fake.command("raw " + SUB_LINE)
        tmi_fake.command("privmsg pytest 5")
        run_until(lambda: len(privmsgs(state)) >= 6)
        first = privmsgs(state)[0]
        assert first.props.display_name == "Ann"
        assert [first.get_text()[e.start:e.end + 1] for e in first.get_emotes()] == ["Kappa", "Kappa"]
        notices = [m for m in state["messages"] if m.get_kind() == GstTwitch.ChatKind.USERNOTICE]
        assert len(notices) == 1
        sub = notices[0]
        assert sub.props.notice_id == "resub"
        assert sub.props.cumulative_months == 14
        assert sub.props.streak_months == 2
        assert sub.props.sub_plan == "1000"
        assert sub.props.system_message == "Bob subscribed for 14 months!"
        assert sub.get_text() == "great stream"
        # Emitted on this thread's main context, as GLib asks.
        assert state["threads"] == {threading.get_ident()}
    finally:
        chat.stop()
    assert chat.get_state() == GstTwitch.ChatState.STOPPED


def test_send_within_limits(tmi_fake):
    chat, state = make_client(tmi_fake, login="gobjectbot")
    chat.set_property("oauth-token", "fakechattoken00000000000000001")
    chat.join("sendtest")
    chat.start()
    try:
        run_until(lambda: state["joined"])
        long_text = " ".join(["word%03d" % i for i in range(100)])  # 799 characters
        ids = [chat.send("sendtest", "first"), chat.send("sendtest", "second"),
               chat.send("sendtest", long_text, "6b7f6a1e-0000-4000-8000-000000000001")]
        assert all(i > 0 for i in ids) and len(set(ids)) == 3
        run_until(lambda: len(state["outcomes"]) == 3, timeout=60)
        assert all(state["outcomes"][i][0] == GstTwitch.SendOutcome.SENT for i in ids)
    finally:
        chat.stop()
    lines = [r for r in tmi_fake.recorded() if "PRIVMSG #sendtest :" in r["line"]]
    # The long text went out in two pieces of at most 500 characters.
    assert len(lines) == 4
    bodies = [r["line"].split(" :", 1)[1] for r in lines]
    assert all(len(b) <= 500 for b in bodies)
    assert " ".join(bodies[2:]) == long_text
    assert lines[2]["line"].startswith("@reply-parent-msg-id=6b7f6a1e-0000-4000-8000-000000000001 ")
    # Twitch's per-channel limit for non-moderators: about 1 s apart.
    times = [r["t"] for r in lines]
    assert all(b - a >= 0.9 for a, b in zip(times, times[1:])), times


def test_send_refused_when_invalid(tmi_fake):
    chat, state = make_client(tmi_fake)
    with pytest.raises(GLib.Error) as info:
        chat.send("sendtest", "not started")
    assert info.value.matches(GstTwitch.chat_error_quark(), GstTwitch.ChatError.SETTINGS)
    with pytest.raises(GLib.Error):
        chat.join("no such channel!")
    chat.join("sendtest")
    chat.start()
    try:
        with pytest.raises(GLib.Error):
            chat.send("sendtest", "two\r\nlines")
    finally:
        chat.stop()


def test_token_cannot_inject_lines(tmi_fake):
    # A token from a property never reaches the wire unchecked: a CR LF in it
    # would start a second IRC line. The error does not repeat the token.
    chat, state = make_client(tmi_fake, login="gobjectbot")
    chat.set_property("oauth-token", "fakechattoken\r\nPRIVMSG #x :owned")
    with pytest.raises(GLib.Error) as info:
        chat.start()
    assert info.value.matches(GstTwitch.chat_error_quark(), GstTwitch.ChatError.SETTINGS)
    assert "fakechattoken" not in info.value.message
    assert chat.get_state() == GstTwitch.ChatState.STOPPED
    assert json.loads(tmi_fake.command("stats"))["connections"] == 0
