#!/usr/bin/env python3
"""Decode `aws kinesis get-records` output with the Python standard library.

The baseline for `opsconsole decode` in scripts/bench-decode.sh: the same
input (get-records responses, or records, as JSON documents one after
another: JSON lines or pretty-printed) and the same text output, one line per
event:

    2025-09-03T16:47:00.250Z WARN  /ecs/app-logs/checkout message...

Records are base64, optionally gzip'd; CloudWatch Logs subscription envelopes
fan out into their log events (control messages are skipped); JSON log lines
are read for their ECS fields; everything printed is sanitised.

    python3 decode.py [FILE|-]
"""

import base64
import binascii
import gzip
import json
import re
import sys
import unicodedata
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

LEVELS = {
    "trace": "trace", "verbose": "trace", "finest": "trace", "finer": "trace",
    "debug": "debug", "dbg": "debug", "fine": "debug",
    "info": "info", "information": "info", "informational": "info", "notice": "info",
    "warn": "warn", "warning": "warn",
    "error": "error", "err": "error", "severe": "error",
    "fatal": "fatal", "critical": "fatal", "crit": "fatal", "panic": "fatal",
    "dpanic": "fatal", "emerg": "fatal", "emergency": "fatal", "alert": "fatal",
}
NUMERIC_LEVELS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
LEVEL_COLUMN = {"trace": "TRACE", "debug": "DEBUG", "info": "INFO ", "warn": "WARN ",
                "error": "ERROR", "fatal": "FATAL", "": "-    "}

# What must not reach a terminal raw: C0 controls and DEL (shown \xNN), and
# among non-ASCII characters the controls, format characters (bidi
# overrides...), private-use, unassigned and non-space separators (\uNNNN).
_CANDIDATES = re.compile("[\x00-\x1f\x7f]|[^\x00-\x7f]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match):
    c = match.group()
    if c in _SHORT:
        return _SHORT[c]
    if c < "\x80":
        return "\\x%02x" % ord(c)
    category = unicodedata.category(c)
    if category[0] == "C" or (category[0] == "Z" and c != " "):
        return "\\u%04x" % ord(c)
    return c


def sanitize(s):
    """Escape what must not reach a terminal raw."""
    if s.isascii() and s.isprintable():
        return s
    return _CANDIDATES.sub(_escape, s)


def level_of(value):
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return NUMERIC_LEVELS.get(value, "")
    if isinstance(value, str):
        return LEVELS.get(value.lower(), "")
    return ""


def text_level(line):
    """An upper-case level word among the first four tokens, or level=..."""
    for token in line[:160].split(None, 4)[:4]:
        for key in ("level=", "lvl=", "severity="):
            if token.lower().startswith(key) and len(token) > len(key):
                return LEVELS.get(token[len(key):].strip('"').lower(), "")
        word = token.strip("[]():<>")
        if word.isalpha() and word.isupper() and word.isascii():
            level = LEVELS.get(word.lower(), "")
            if level:
                return level
    return ""


def parse_time(value):
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            return None
        return t.astimezone(timezone.utc) if t.tzinfo else t.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        if value < 1e11:
            return EPOCH + timedelta(seconds=value)
        if value < 1e14:
            return EPOCH + timedelta(milliseconds=value)
        if value < 1e17:
            return EPOCH + timedelta(microseconds=value)
        return EPOCH + timedelta(microseconds=value / 1000)
    return None


def first(doc, *keys):
    for key in keys:
        if key in doc:
            return doc[key]
    return None


def json_event(doc, when, source):
    """Time, level, source and message of one JSON log line (ECS first)."""
    log = doc.get("log")
    log = log if isinstance(log, dict) else {}
    service = doc.get("service")
    service = service if isinstance(service, dict) else {}

    level = first(doc, "log.level") or log.get("level") or first(doc, "level", "severity", "lvl",
                                                                  "levelname", "loglevel", "log_level")
    stamp = first(doc, "@timestamp", "timestamp", "time", "ts")
    message = first(doc, "message", "msg")
    if message is None and isinstance(doc.get("log"), str):
        message = doc["log"]
    if message is None:
        message = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    elif not isinstance(message, str):
        message = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    if not source:
        source = first(doc, "service.name") or service.get("name") or ""
    return parse_time(stamp) or when, level_of(level), source, message.rstrip("\r\n")


def message_event(message, when, source):
    """A CloudWatch log event's message: a JSON object, or text."""
    if message.lstrip().startswith("{"):
        try:
            doc = json.loads(message)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            return json_event(doc, when, source)
    text = message.rstrip("\r\n")
    return when, text_level(text), source, text


def decode_record(record, stats):
    """Yield (time, level, source, message) for each event of one record."""
    data = base64.b64decode(record["Data"], validate=True)
    arrival = parse_time(record.get("ApproximateArrivalTimestamp"))
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("messageType") in ("DATA_MESSAGE", "CONTROL_MESSAGE") \
            and isinstance(doc.get("logEvents"), list):
        if doc["messageType"] == "CONTROL_MESSAGE":
            stats["control"] += 1
            return
        group = doc.get("logGroup") or ""
        for event in doc["logEvents"]:
            when = EPOCH + timedelta(milliseconds=event["timestamp"]) if "timestamp" in event else arrival
            yield message_event(event["message"], when, group)
    elif isinstance(doc, dict):
        yield json_event(doc, arrival, "")
    else:
        text = data.decode("utf-8", errors="replace")
        yield arrival, "", "", text.rstrip("\r\n")


def records(text):
    """The record objects of a stream of JSON documents."""
    decoder = json.JSONDecoder()
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return
        doc, pos = decoder.raw_decode(text, pos)
        for item in doc if isinstance(doc, list) else [doc]:
            if "Records" in item:
                yield from item["Records"]
            else:
                yield item


def format_line(when, level, source, message):
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000) if when else "-"
    return "%s %s %s %s\n" % (stamp, LEVEL_COLUMN[level], sanitize(source) if source else "-", sanitize(message))


def main(argv):
    path = argv[1] if len(argv) > 1 else "-"
    with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as f:
        text = f.read()
    stats = {"records": 0, "events": 0, "control": 0, "bad": 0}
    out = sys.stdout
    for record in records(text):
        try:
            lines = [format_line(*event) for event in decode_record(record, stats)]
        except (KeyError, ValueError, binascii.Error, EOFError, OSError) as err:
            stats["bad"] += 1
            print("decode.py: record skipped: %s" % err, file=sys.stderr)
            continue
        stats["records"] += 1
        stats["events"] += len(lines)
        out.writelines(lines)
    print("decode.py: decoded %(records)d records into %(events)d events; "
          "%(control)d control messages skipped; %(bad)d bad records" % stats, file=sys.stderr)
    return 1 if stats["bad"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
