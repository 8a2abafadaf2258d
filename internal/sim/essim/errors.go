package essim

import (
	"fmt"
	"net/http"
)

// esError is an Elasticsearch error: it renders as
// {"error":{"root_cause":[{...}],"type":...,"reason":...},"status":N}.
type esError struct {
	status int
	typ    string
	reason string
	// extra fields go into the cause ("index", "resource.id", ...).
	extra map[string]any
}

func (e *esError) body() map[string]any {
	cause := map[string]any{"type": e.typ, "reason": e.reason}
	for k, v := range e.extra {
		cause[k] = v
	}
	outer := map[string]any{"root_cause": []any{cause}}
	for k, v := range cause {
		outer[k] = v
	}
	return map[string]any{"error": outer, "status": e.status}
}

func errBadRequest(typ, format string, args ...any) *esError {
	return &esError{status: http.StatusBadRequest, typ: typ, reason: fmt.Sprintf(format, args...)}
}

func errIllegalArgument(format string, args ...any) *esError {
	return errBadRequest("illegal_argument_exception", format, args...)
}

func errIndexNotFound(name string) *esError {
	return &esError{status: http.StatusNotFound, typ: "index_not_found_exception", reason: "no such index [" + name + "]",
		extra: map[string]any{"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name}}
}

func errResourceNotFound(format string, args ...any) *esError {
	return &esError{status: http.StatusNotFound, typ: "resource_not_found_exception", reason: fmt.Sprintf(format, args...)}
}

func errAlreadyExists(name, uuid string) *esError {
	return &esError{status: http.StatusBadRequest, typ: "resource_already_exists_exception",
		reason: fmt.Sprintf("index [%s/%s] already exists", name, uuid), extra: map[string]any{"index_uuid": uuid, "index": name}}
}

func errParse(format string, args ...any) *esError {
	return errBadRequest("parse_exception", format, args...)
}
