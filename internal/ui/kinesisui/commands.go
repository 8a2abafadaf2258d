package kinesisui

import (
	"fmt"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// Specs registers the Kinesis panes.
func Specs() []pane.Spec {
	return []pane.Spec{
		{ID: "streams", Title: "Streams", Tab: true, New: newStreams},
		{ID: "shards", Title: "Shards", Tab: true, New: newShards},
	}
}

// completeStream offers stream names for the first argument and, when
// shards is true, the stream's shard IDs for the next ones.
func completeStream(shardArgs int) func(c *pane.Context, n int, args []string) []string {
	return func(c *pane.Context, n int, args []string) []string {
		if n == 0 {
			return c.Names.Get("streams")
		}
		if n <= shardArgs && len(args) > 0 {
			return c.Names.Get("shards:" + args[0])
		}
		return nil
	}
}

// backend returns the target's Kinesis backend or says why there is none.
func backend(c *pane.Context) (*aws.Backend, error) {
	if c.Backends.Kinesis == nil {
		return nil, pane.Unavailable(c, fleet.Kinesis)
	}
	return c.Backends.Kinesis, nil
}

// action wraps a constructor into a command Run.
func action(build func(b *aws.Backend, inv pane.Invocation) (ops.Action, error)) func(*pane.Context, pane.Invocation) (tea.Cmd, error) {
	return func(c *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
		b, err := backend(c)
		if err != nil {
			return nil, err
		}
		a, err := build(b, inv)
		if err != nil {
			return nil, err
		}
		return pane.Action(a), nil
	}
}

func atoi(what, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s must be a whole number, not %q", what, s)
	}
	return n, nil
}

// Commands are the Kinesis command-mode verbs (DESIGN.md §4).
func Commands() []pane.Command {
	return []pane.Command{
		{Name: "shards", Usage: "STREAM", Help: "every shard of a stream: lineage, keyspace, heat", MinArgs: 1, MaxArgs: 1,
			Complete: completeStream(0),
			Run: func(_ *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
				return pane.Open("shards", inv.Args[0]), nil
			}},
		{Name: "reshard", Usage: "STREAM N", Help: "UpdateShardCount to N open shards (uniform)", MinArgs: 2, MaxArgs: 2,
			Complete: completeStream(0),
			Run: action(func(b *aws.Backend, inv pane.Invocation) (ops.Action, error) {
				n, err := atoi("the shard count", inv.Args[1])
				if err != nil {
					return nil, err
				}
				return b.Reshard(inv.Args[0], n), nil
			})},
		{Name: "split", Usage: "STREAM SHARD_ID [--at HASHKEY]", Help: "split a shard at the middle of its range (or a hash key)",
			MinArgs: 2, MaxArgs: 2, Flags: []string{"at"}, Complete: completeStream(1),
			Run: action(func(b *aws.Backend, inv pane.Invocation) (ops.Action, error) {
				return b.Split(inv.Args[0], inv.Args[1], inv.Flags["at"]), nil
			})},
		{Name: "merge", Usage: "STREAM SHARD_ID ADJACENT_SHARD_ID", Help: "merge two adjacent open shards (typed confirmation)",
			MinArgs: 3, MaxArgs: 3, Complete: completeStream(2),
			Run: action(func(b *aws.Backend, inv pane.Invocation) (ops.Action, error) {
				return b.Merge(inv.Args[0], inv.Args[1], inv.Args[2]), nil
			})},
		{Name: "retention", Usage: "STREAM HOURS", Help: "set retention, 24 to 8760 hours (lowering asks to type the stream)",
			MinArgs: 2, MaxArgs: 2, Complete: completeStream(0),
			Run: action(func(b *aws.Backend, inv pane.Invocation) (ops.Action, error) {
				h, err := atoi("retention hours", inv.Args[1])
				if err != nil {
					return nil, err
				}
				return b.Retention(inv.Args[0], h), nil
			})},
		{Name: "shard-metrics", Usage: "STREAM on|off", Help: "enable or disable shard-level (enhanced) metrics",
			MinArgs: 2, MaxArgs: 2,
			Complete: func(c *pane.Context, n int, args []string) []string {
				if n == 1 {
					return []string{"on", "off"}
				}
				return completeStream(0)(c, n, args)
			},
			Run: action(func(b *aws.Backend, inv pane.Invocation) (ops.Action, error) {
				switch inv.Args[1] {
				case "on":
					return b.SetShardMetrics(inv.Args[0], true), nil
				case "off":
					return b.SetShardMetrics(inv.Args[0], false), nil
				}
				return nil, fmt.Errorf("shard-metrics takes on or off, not %q", inv.Args[1])
			})},
	}
}
