// Package modfile is the module file: the name a module's key gives it
// (<key>.json, keys validated), the envelope its state is written in
// (format, key, schema version, save time, data), and reading and writing
// a directory of them. The store, archives and the mirror all read and
// write module files through it, so the format lives in one place.
package modfile
