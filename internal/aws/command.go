package aws

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// Commands are the Kinesis action verbs of command mode (DESIGN.md §4),
// with their usage lines.
var Commands = map[string]string{
	"reshard":       "reshard STREAM N",
	"split":         "split STREAM SHARD_ID [--at HASHKEY]",
	"merge":         "merge STREAM SHARD_ID ADJACENT_SHARD_ID",
	"retention":     "retention STREAM HOURS",
	"shard-metrics": "shard-metrics STREAM on|off",
}

// Command builds the action for a command-mode line, e.g. verb "split" and
// args ["app-logs", "shardId-000000000001", "--at", "1234"]. Errors are
// usage messages; nothing is read or sent here (Validate does that).
func (b *Backend) Command(verb string, args []string) (ops.Action, error) {
	usage, ok := Commands[verb]
	if !ok {
		return nil, fmt.Errorf("unknown Kinesis command %q", verb)
	}
	bad := func(why string) error { return fmt.Errorf("%s; usage: :%s", why, usage) }
	switch verb {
	case "reshard":
		if len(args) != 2 {
			return nil, bad("reshard takes a stream and a shard count")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return nil, bad(fmt.Sprintf("%q is not a shard count", args[1]))
		}
		return b.Reshard(args[0], n), nil
	case "split":
		var at string
		var pos []string
		for i := 0; i < len(args); i++ {
			switch a := args[i]; {
			case a == "--at":
				if i+1 == len(args) {
					return nil, bad("--at needs a hash key")
				}
				at = args[i+1]
				i++
			case strings.HasPrefix(a, "--at="):
				if at = strings.TrimPrefix(a, "--at="); at == "" {
					return nil, bad("--at needs a hash key")
				}
			case strings.HasPrefix(a, "-"):
				return nil, bad(fmt.Sprintf("unknown option %q", a))
			default:
				pos = append(pos, a)
			}
		}
		if len(pos) != 2 {
			return nil, bad("split takes a stream and a shard id")
		}
		return b.Split(pos[0], pos[1], at), nil
	case "merge":
		if len(args) != 3 {
			return nil, bad("merge takes a stream and two shard ids")
		}
		return b.Merge(args[0], args[1], args[2]), nil
	case "retention":
		if len(args) != 2 {
			return nil, bad("retention takes a stream and a number of hours")
		}
		h, err := strconv.Atoi(strings.TrimSuffix(args[1], "h"))
		if err != nil {
			return nil, bad(fmt.Sprintf("%q is not a number of hours", args[1]))
		}
		return b.Retention(args[0], h), nil
	default: // shard-metrics
		if len(args) != 2 || (args[1] != "on" && args[1] != "off") {
			return nil, bad("shard-metrics takes a stream and on or off")
		}
		return b.SetShardMetrics(args[0], args[1] == "on"), nil
	}
}
