package runbook

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opsconsole/opsconsole/internal/config"
)

//go:embed runbooks/*.yaml
var builtinFS embed.FS

// Sources of runbooks.
const (
	SourceBuiltin = "builtin"
	SourceUser    = "user"
)

// maxFileSize bounds a user runbook file.
const maxFileSize = 1 << 20

// Catalog is every runbook the console knows: the built-ins and the valid
// user runbooks. Rejected files are listed in Problems, each with file,
// line and reason; the rest of the catalog still works.
type Catalog struct {
	runbooks []*Runbook
	byID     map[string]*Runbook
	Problems []error
}

// UserDirs are the directories user runbooks are read from:
// $XDG_CONFIG_HOME/opsconsole/runbooks and, when set to another directory,
// --runbook-dir (or runbook_dir in the config file).
func UserDirs(opts *config.Options) []string {
	dirs := []string{config.Defaults().RunbookDir}
	if opts != nil && opts.RunbookDir != "" && filepath.Clean(opts.RunbookDir) != filepath.Clean(dirs[0]) {
		dirs = append(dirs, opts.RunbookDir)
	}
	return dirs
}

// Load reads the built-in runbooks and every *.yaml/*.yml file of the user
// directories (a missing directory is fine). A user runbook may not reuse a
// built-in's id, nor another user runbook's: the later file is rejected.
func Load(reg *Registry, userDirs ...string) *Catalog {
	c := &Catalog{byID: map[string]*Runbook{}}
	entries, _ := fs.ReadDir(builtinFS, "runbooks")
	for _, e := range entries {
		data, err := builtinFS.ReadFile("runbooks/" + e.Name())
		if err == nil {
			c.add(reg, "builtin:"+e.Name(), data, SourceBuiltin)
		}
	}
	for _, dir := range userDirs {
		files, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			c.Problems = append(c.Problems, fmt.Errorf("runbook directory %s: %w", dir, err))
			continue
		}
		for _, f := range files {
			ext := strings.ToLower(filepath.Ext(f.Name()))
			if f.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			path := filepath.Join(dir, f.Name())
			data, err := readBounded(path)
			if err != nil {
				c.Problems = append(c.Problems, &LoadError{File: path, Msg: err.Error()})
				continue
			}
			c.add(reg, path, data, SourceUser)
		}
	}
	sort.Slice(c.runbooks, func(i, j int) bool {
		a, b := c.runbooks[i], c.runbooks[j]
		if a.Source != b.Source {
			return a.Source == SourceBuiltin
		}
		return a.ID < b.ID
	})
	return c
}

func readBounded(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("the file is %d bytes; a runbook may be at most %d", st.Size(), maxFileSize)
	}
	return os.ReadFile(path)
}

func (c *Catalog) add(reg *Registry, file string, data []byte, source string) {
	rb, err := Parse(file, data, reg)
	if err != nil {
		c.Problems = append(c.Problems, err)
		return
	}
	rb.Source = source
	if prev, dup := c.byID[rb.ID]; dup {
		what := "another user runbook (" + prev.File + ")"
		if prev.Source == SourceBuiltin {
			what = "a built-in runbook; built-ins cannot be overridden, give yours another id"
		}
		c.Problems = append(c.Problems, &LoadError{File: file, Line: 1, Msg: fmt.Sprintf("id %q is already used by %s", rb.ID, what)})
		return
	}
	c.byID[rb.ID] = rb
	c.runbooks = append(c.runbooks, rb)
}

// List returns the runbooks, built-ins first, each group by id.
func (c *Catalog) List() []*Runbook { return c.runbooks }

// IDs lists the runbook ids in List order (for completion).
func (c *Catalog) IDs() []string {
	out := make([]string, len(c.runbooks))
	for i, rb := range c.runbooks {
		out[i] = rb.ID
	}
	return out
}

// Get finds a runbook by id; the error suggests the closest id and says
// when a user file with that id was rejected.
func (c *Catalog) Get(id string) (*Runbook, error) {
	if rb, ok := c.byID[id]; ok {
		return rb, nil
	}
	for _, p := range c.Problems {
		if strings.Contains(p.Error(), id) {
			return nil, fmt.Errorf("runbook %q could not be loaded:\n%s", id, p.Error())
		}
	}
	known := map[string]bool{}
	for _, rb := range c.runbooks {
		known[rb.ID] = true
	}
	return nil, fmt.Errorf("no runbook %q%s; runbooks: %s", id, suggest(id, known), strings.Join(c.IDs(), ", "))
}
