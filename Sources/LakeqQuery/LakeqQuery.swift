/// # LakeqQuery: SQL over the lake
///
/// `QueryEngine.run(sql)` parses, binds, optimizes, plans and runs one statement; see
/// `spec/engine.md` for the architecture and `spec/sql.md` for the dialect.
///
/// What lives where:
/// - `Parser/`: lexer, Pratt/recursive-descent parser, the syntax tree (`Statement`,
///   `SelectStatement`, `Expr`, `TableRef`).
/// - `Planner/`: `Binder` (names and types → `LogicalPlan` over column ids; `SelectBinder`,
///   `ExpressionBinder`, `Subqueries` decorrelation, `TypeRules`), `Optimizer` (predicate
///   pushdown, column pruning), `PhysicalPlanner` (operator tree, join algorithms and build
///   sides, scan fast paths), `Explain`, `Pruning` (statistics tests, `ScanStatistics`).
/// - `Operators/`: one physical operator per file (`TableScan`, `Filter`, `Projection`,
///   `HashAggregate`, `Distinct`, `HashJoin`, `NestedLoopJoin`, `Sort`, `TopN`, `Limit`,
///   `UnionAll`, `Window`, `Values`, `RangeSource`, `EnforceSingleRow`, `ResultCollector`)
///   on the `PhysicalOperator` base class.
/// - `Execution/`: the morsel-driven `PipelineExecutor`, the scan's `AccessPlan` (every
///   pruning level), hash tables (`KeyEncoder`, `StringInterner`, `GroupTable`, `JoinTable`,
///   `Int64HashMap`), `Accumulator` (aggregate states), `Sorting` and `RadixSort`, `TopNPruner`, column
///   kernels and the join machinery shared by the join operators; the memory limit and
///   spilling (`MemoryLimit`, `MemoryBudget`, `PartitionedSpill`, `SpillCodec`, `SpillDirectory`).
/// - `Expressions/`: `BoundExpr`, the vectorized `Evaluator`, functions, casts, LIKE, `Scalar`.
/// - `Catalog/`: tables of the lake (`Catalog`, `Table` with lazily opened footers), Delta
///   file statistics, Hive partition typing, `TableAccess` (what SQL may read).
/// - `Writes/`: CREATE TABLE AS, INSERT INTO and COPY.
/// - `Output/`: result rendering (`ResultFormatter`).
public enum LakeqQueryModule {}
