module github.com/gorosys/rosys

go 1.26.8

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	go.uber.org/zap v1.28.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sys v0.1.0 // indirect
)
