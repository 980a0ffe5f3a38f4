package connect

import (
	"context"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// CreateTempView names the DataFrame as a temporary view of the session, for SQL and
// Session.Table. It fails with a SparkError if the session already has a view of that
// name. The view lives until the session ends and is invisible to other sessions.
func (df *DataFrame) CreateTempView(ctx context.Context, name string) error {
	return df.createView(ctx, name, false, false)
}

// CreateOrReplaceTempView is CreateTempView that replaces an existing view of the same name.
func (df *DataFrame) CreateOrReplaceTempView(ctx context.Context, name string) error {
	return df.createView(ctx, name, false, true)
}

// CreateGlobalTempView names the DataFrame as a global temporary view: every session of
// the server sees it as global_temp.<name> (the database is spark.sql.globalTempDatabase)
// until the server stops. It fails with a SparkError if such a view exists.
func (df *DataFrame) CreateGlobalTempView(ctx context.Context, name string) error {
	return df.createView(ctx, name, true, false)
}

// CreateOrReplaceGlobalTempView is CreateGlobalTempView that replaces an existing global
// view of the same name.
func (df *DataFrame) CreateOrReplaceGlobalTempView(ctx context.Context, name string) error {
	return df.createView(ctx, name, true, true)
}

func (df *DataFrame) createView(ctx context.Context, name string, global, replace bool) error {
	if err := df.Err(); err != nil {
		return err
	}
	_, err := df.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_CreateDataframeView{
		CreateDataframeView: &sparkpb.CreateDataFrameViewCommand{Input: df.rel, Name: name, IsGlobal: global, Replace: replace},
	}})
	return err
}
