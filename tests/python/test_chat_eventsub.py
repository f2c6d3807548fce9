"""GstTwitch.ChatClient with transport EVENTSUB through the typelib, against
the Helix fake's EventSub stand-in (tests/peers/helix-fake): the property and
its enum, reading and sending, a missing scope as the fatal-error naming it."""
import pytest

from gi.repository import GstTwitch

from conftest import run_until, start_helix_fake, stop


@pytest.fixture
def eventsub_fake(monkeypatch):
    def start(*extra):
        p, env = start_helix_fake(*extra)
        started.append(p)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        return env
    started = []
    yield start
    for p in started:
        stop(p)


def make_client():
    chat = GstTwitch.ChatClient(transport=GstTwitch.ChatTransport.EVENTSUB)
    state = {"messages": [], "joined": [], "outcomes": {}, "fatal": []}
    chat.connect("message", lambda c, m: state["messages"].append(m))
    chat.connect("joined", lambda c, ch: state["joined"].append(ch))
    chat.connect("send-outcome",
                 lambda c, i, o, r, mid: state["outcomes"].__setitem__(i, (o, r, mid)))
    chat.connect("fatal-error", lambda c, e: state["fatal"].append(e))
    return chat, state


def test_transport_property_and_enum():
    chat = GstTwitch.ChatClient()
    assert chat.props.transport == GstTwitch.ChatTransport.IRC
    chat.props.transport = GstTwitch.ChatTransport.EVENTSUB
    assert chat.props.transport == GstTwitch.ChatTransport.EVENTSUB
    assert GstTwitch.ChatTransport.EVENTSUB.value_nick == "eventsub"


def test_reads_and_sends_over_eventsub(eventsub_fake):
    eventsub_fake()
    chat, state = make_client()
    chat.join("twitchdev")
    chat.start()
    try:
        run_until(lambda: state["joined"])
        sid = chat.send("twitchdev", "hello from python", None)
        run_until(lambda: sid in state["outcomes"])
        outcome, reason, message_id = state["outcomes"][sid]
        assert outcome == GstTwitch.SendOutcome.SENT, reason
        assert message_id
        # Twitch echoes the sent message as channel.chat.message.
        run_until(lambda: any(m.get_text() == "hello from python" for m in state["messages"]))
        m = [m for m in state["messages"] if m.get_text() == "hello from python"][0]
        assert m.get_kind() == GstTwitch.ChatKind.PRIVMSG
        assert m.get_channel() == "twitchdev"
    finally:
        chat.stop()


def test_missing_read_scope_is_the_fatal_error(eventsub_fake):
    eventsub_fake("--scopes", "user:write:chat")
    chat, state = make_client()
    chat.join("twitchdev")
    chat.start()
    try:
        run_until(lambda: state["fatal"])
        assert "user:read:chat" in state["fatal"][0].message
        assert chat.props.state == GstTwitch.ChatState.STOPPED
    finally:
        chat.stop()
