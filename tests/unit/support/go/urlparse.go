// Reads a JSON array of strings on stdin and prints, for each, what Go's net/url makes of it as client-go's
// rest.DefaultServerURL uses it: parsed as given, and with https:// in front when that finds no scheme or no host.
package main

import (
	"encoding/json"
	"net/url"
	"os"
)

type result struct {
	Err      string `json:"err,omitempty"`
	Scheme   string `json:"scheme"`
	Hostname string `json:"hostname"`
	Port     string `json:"port"`
	Path     string `json:"path"`
	User     bool   `json:"user"`
	Query    string `json:"query"`
	Fragment string `json:"fragment"`
}

func main() {
	var in []string
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := make([]result, len(in))
	for i, s := range in {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.Host == "" {
			u, err = url.Parse("https://" + s)
		}
		if err != nil {
			out[i] = result{Err: err.Error()}
			continue
		}
		out[i] = result{Scheme: u.Scheme, Hostname: u.Hostname(), Port: u.Port(), Path: u.Path, User: u.User != nil, Query: u.RawQuery, Fragment: u.Fragment}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
