"""The MPRIS object on a D-Bus connection (jeepney): method calls answered, properties read,
changes and jumps announced. No threads and no waiting here; live/mpris.py runs it.

Only the object path /org/mpris/MediaPlayer2 is served (its parents answer Introspect, so
`busctl tree` finds it). Properties are read-only: Set is refused with the standard error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    Message,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.low_level import MessageFlag

from voiceguide.live.mpris_state import PLAYER, ROOT, MprisState, Playback, changed
from voiceguide.live.remote import Command

PATH = "/org/mpris/MediaPlayer2"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"

_COMMANDS: dict[str, Command] = {
    "PlayPause": "play-pause",
    "Play": "play",
    "Pause": "pause",
    "Next": "next",
    "Previous": "previous",
    "Stop": "stop",
    "Quit": "stop",
}
# accepted and ignored, as the specification asks when CanSeek and CanRaise are false
_IGNORED = {"Seek", "SetPosition", "Raise"}

_INTROSPECTION = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
 <interface name="org.freedesktop.DBus.Introspectable">
  <method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>
 </interface>
 <interface name="org.freedesktop.DBus.Peer">
  <method name="Ping"/>
 </interface>
 <interface name="org.freedesktop.DBus.Properties">
  <method name="Get">
   <arg name="interface_name" type="s" direction="in"/>
   <arg name="property_name" type="s" direction="in"/>
   <arg name="value" type="v" direction="out"/>
  </method>
  <method name="GetAll">
   <arg name="interface_name" type="s" direction="in"/>
   <arg name="properties" type="a{sv}" direction="out"/>
  </method>
  <method name="Set">
   <arg name="interface_name" type="s" direction="in"/>
   <arg name="property_name" type="s" direction="in"/>
   <arg name="value" type="v" direction="in"/>
  </method>
  <signal name="PropertiesChanged">
   <arg name="interface_name" type="s"/>
   <arg name="changed_properties" type="a{sv}"/>
   <arg name="invalidated_properties" type="as"/>
  </signal>
 </interface>
 <interface name="org.mpris.MediaPlayer2">
  <method name="Raise"/>
  <method name="Quit"/>
  <property name="CanQuit" type="b" access="read"/>
  <property name="CanRaise" type="b" access="read"/>
  <property name="HasTrackList" type="b" access="read"/>
  <property name="Identity" type="s" access="read"/>
  <property name="SupportedUriSchemes" type="as" access="read"/>
  <property name="SupportedMimeTypes" type="as" access="read"/>
 </interface>
 <interface name="org.mpris.MediaPlayer2.Player">
  <method name="Next"/>
  <method name="Previous"/>
  <method name="Pause"/>
  <method name="PlayPause"/>
  <method name="Stop"/>
  <method name="Play"/>
  <method name="Seek"><arg name="Offset" type="x" direction="in"/></method>
  <method name="SetPosition">
   <arg name="TrackId" type="o" direction="in"/>
   <arg name="Position" type="x" direction="in"/>
  </method>
  <method name="OpenUri"><arg name="Uri" type="s" direction="in"/></method>
  <signal name="Seeked"><arg name="Position" type="x"/></signal>
  <property name="PlaybackStatus" type="s" access="read"/>
  <property name="Rate" type="d" access="read"/>
  <property name="MinimumRate" type="d" access="read"/>
  <property name="MaximumRate" type="d" access="read"/>
  <property name="Volume" type="d" access="read"/>
  <property name="Metadata" type="a{sv}" access="read"/>
  <property name="Position" type="x" access="read">
   <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/>
  </property>
  <property name="CanGoNext" type="b" access="read"/>
  <property name="CanGoPrevious" type="b" access="read"/>
  <property name="CanPlay" type="b" access="read"/>
  <property name="CanPause" type="b" access="read"/>
  <property name="CanSeek" type="b" access="read"/>
  <property name="CanControl" type="b" access="read"/>
 </interface>
</node>
"""


def _parent_node(child: str) -> str:
    return (
        '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n'
        f'<node><node name="{child}"/></node>\n'
    )


_PARENTS = {"/": "org", "/org": "mpris", "/org/mpris": "MediaPlayer2"}


class MprisObject:
    """Answers the method calls that reach /org/mpris/MediaPlayer2 and says what changed.

    `send` puts a message on the connection; `command` receives what a button asked for;
    `playback` tells where the session is now (read when a client asks for a property).
    """

    def __init__(
        self,
        state: MprisState,
        send: Callable[[Message], None],
        command: Callable[[Command], None],
        playback: Callable[[], Playback],
    ) -> None:
        self._state = state
        self._send = send
        self._command = command
        self._playback = playback
        self._announced = state.player(playback())

    # -- calls in

    def handle(self, message: Message) -> None:
        """Answer one message from the bus; anything but a method call is ignored."""
        header = message.header
        if header.message_type != MessageType.method_call:
            return
        reply = self._answer(message)
        if reply is not None and not header.flags & MessageFlag.no_reply_expected:
            self._send(reply)

    def _answer(self, message: Message) -> Message | None:
        fields = message.header.fields
        path = fields.get(HeaderFields.path)
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        if interface in (None, INTROSPECTABLE) and member == "Introspect":
            if path == PATH:
                return new_method_return(message, "s", (_INTROSPECTION,))
            if path in _PARENTS:
                return new_method_return(message, "s", (_parent_node(_PARENTS[path]),))
        if interface in (None, PEER) and member == "Ping":
            return new_method_return(message)
        if path != PATH:
            return _error(message, "UnknownObject", f"no object at {path}")
        if interface in (None, PROPERTIES) and member in ("Get", "GetAll", "Set"):
            return self._properties(message, member)
        if interface in (None, ROOT, PLAYER):
            if member in _COMMANDS:
                self._command(_COMMANDS[member])
                return new_method_return(message)
            if member in _IGNORED:
                return new_method_return(message)
            if member == "OpenUri":
                return _error(message, "NotSupported", "voiceguide plays its routine only")
        return _error(message, "UnknownMethod", f"no method {interface}.{member}")

    def _properties(self, message: Message, member: str) -> Message:
        body: tuple[Any, ...] = message.body
        interface = body[0] if body and isinstance(body[0], str) else ""
        values = self._state.properties(interface, self._playback())
        if values is None:
            return _error(message, "UnknownInterface", f"no interface {interface}")
        if member == "GetAll":
            return new_method_return(message, "a{sv}", (values,))
        name = body[1] if len(body) > 1 else ""
        if name not in values:
            return _error(message, "UnknownProperty", f"no property {interface}.{name}")
        if member == "Set":
            return _error(message, "PropertyReadOnly", f"{interface}.{name} is read-only")
        return new_method_return(message, "v", (values[name],))

    # -- changes out

    def announce(self, seeked: bool) -> None:
        """Signal the properties that changed since the last call, and a jump (n, b, a
        resume) as Seeked, so clients that count the position forward stay right."""
        playback = self._playback()
        now = self._state.player(playback)
        differ = changed(self._announced, now)
        self._announced = now
        if differ:
            self._signal(PROPERTIES, "PropertiesChanged", "sa{sv}as", (PLAYER, differ, []))
        if seeked and not playback.ended:
            self._signal(PLAYER, "Seeked", "x", (self._state.microseconds(playback.position),))

    def _signal(self, interface: str, name: str, signature: str, body: tuple[Any, ...]) -> None:
        self._send(new_signal(DBusAddress(PATH, interface=interface), name, signature, body))


def _error(message: Message, name: str, text: str) -> Message:
    return new_error(message, f"org.freedesktop.DBus.Error.{name}", "s", (text,))


