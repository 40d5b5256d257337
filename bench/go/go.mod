module poscore.local/bench

go 1.25.0

require github.com/moov-io/iso8583 v0.26.1

require (
	github.com/kr/text v0.2.0 // indirect
	github.com/yerden/go-util v1.1.4 // indirect
	golang.org/x/text v0.41.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
