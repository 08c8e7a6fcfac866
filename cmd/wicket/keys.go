package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/sts/keyring"
)

// keysDir is where serve keeps the keyring in a data directory.
func keysDir(data string) string { return filepath.Join(data, "keys") }

func newKeysCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Rotate the keys that seal session tokens and sign OpenID tokens",
		Long: `Keys manages the keyring in a data directory: the master key that seals the
session tokens of temporary credentials, and the RSA keys that sign Wicket's
OpenID tokens (published at /.well-known/jwks.json). Run it while the server
is stopped, or restart the server afterwards: a running server keeps the keys
it started with.

Rotating keeps the previous key working (tokens it sealed or signed stay
valid); rotating the master key twice, or retiring old master keys, revokes
every temporary credential issued before — what to do if the data directory
leaks.`,
	}
	cmd.PersistentFlags().StringVar(&data, "data", "./wicket-data", "data directory (env WICKET_DATA)")
	open := func() (*keyring.Keyring, error) {
		return keyring.Open(keysDir(data), keyring.Options{})
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the master keys and the published signing keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := open()
			if err != nil {
				return err
			}
			return listKeys(cmd.OutOrStdout(), k)
		},
	}, &cobra.Command{
		Use:   "rotate-master",
		Short: "Make a new master key seal new session tokens; the previous one still opens its tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := open()
			if err != nil {
				return err
			}
			if err := k.RotateMasterKey(); err != nil {
				return err
			}
			return listKeys(cmd.OutOrStdout(), k)
		},
	}, &cobra.Command{
		Use:   "retire-master",
		Short: "Remove every master key but the current one: their session tokens stop working at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := open()
			if err != nil {
				return err
			}
			n, err := k.RetireMasterKeys(time.Now().Add(time.Hour))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "retired %d master key(s)\n", n)
			return listKeys(cmd.OutOrStdout(), k)
		},
	}, &cobra.Command{
		Use:   "rotate-signing",
		Short: "Make a new RSA key sign OpenID tokens; the previous one stays published",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := open()
			if err != nil {
				return err
			}
			if err := k.RotateSigningKey(); err != nil {
				return err
			}
			return listKeys(cmd.OutOrStdout(), k)
		},
	})
	return cmd
}

func listKeys(w io.Writer, k *keyring.Keyring) error {
	for _, m := range k.MasterKeys() {
		current := ""
		if m.Current {
			current = " (current)"
		}
		fmt.Fprintf(w, "master  %s  created %s%s\n", m.ID, m.Created.UTC().Format(time.RFC3339), current)
	}
	jwks, err := k.JWKS()
	if err != nil {
		return err
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return fmt.Errorf("read the JWKS: %w", err)
	}
	for i, key := range set.Keys {
		signs := ""
		if i == 0 {
			signs = " (signs)"
		}
		fmt.Fprintf(w, "signing %s%s\n", key.Kid, signs)
	}
	return nil
}
