/**
 * The template AST, mirroring jinja2/nodes.py (only what the parser produces).
 */
import type { Value } from './values.js';

interface Base { lineno: number }

// ---- expressions
export interface Const extends Base { type: 'Const'; value: Value }
export interface TemplateData extends Base { type: 'TemplateData'; value: string }
export interface Name extends Base { type: 'Name'; name: string }
export interface NSRef extends Base { type: 'NSRef'; name: string; attr: string }
export interface TupleNode extends Base { type: 'Tuple'; items: Expr[] }
export interface ListNode extends Base { type: 'List'; items: Expr[] }
export interface DictNode extends Base { type: 'Dict'; items: [Expr, Expr][] }
export interface CondExpr extends Base { type: 'CondExpr'; test: Expr; expr1: Expr; expr2: Expr | null }
export interface BinExpr extends Base { type: 'BinExpr'; op: '+' | '-' | '*' | '/' | '//' | '%' | '**'; left: Expr; right: Expr }
export interface And extends Base { type: 'And'; left: Expr; right: Expr }
export interface Or extends Base { type: 'Or'; left: Expr; right: Expr }
export interface Not extends Base { type: 'Not'; node: Expr }
export interface Unary extends Base { type: 'Unary'; op: '-' | '+'; node: Expr }
export interface Concat extends Base { type: 'Concat'; nodes: Expr[] }
export type CompareOp = 'eq' | 'ne' | 'lt' | 'lteq' | 'gt' | 'gteq' | 'in' | 'notin';
export interface Compare extends Base { type: 'Compare'; expr: Expr; ops: { op: CompareOp; expr: Expr }[] }
export interface Getattr extends Base { type: 'Getattr'; node: Expr; attr: string }
export interface Getitem extends Base { type: 'Getitem'; node: Expr; arg: Expr }
export interface Slice extends Base { type: 'Slice'; start: Expr | null; stop: Expr | null; step: Expr | null }
export interface Keyword { key: string; value: Expr }
export interface CallArgs { args: Expr[]; kwargs: Keyword[]; dynArgs: Expr | null; dynKwargs: Expr | null }
export interface Call extends Base, CallArgs { type: 'Call'; node: Expr }
/** node is null for the inline filter of a filter block / block set */
export interface Filter extends Base, CallArgs { type: 'Filter'; node: Expr | null; name: string }
export interface Test extends Base, CallArgs { type: 'Test'; node: Expr; name: string }

export type Expr =
  | Const | TemplateData | Name | NSRef | TupleNode | ListNode | DictNode | CondExpr | BinExpr | And | Or | Not
  | Unary | Concat | Compare | Getattr | Getitem | Slice | Call | Filter | Test;

// ---- statements
export interface Output extends Base { type: 'Output'; nodes: Expr[] }
export interface For extends Base {
  type: 'For'; target: Expr; iter: Expr; body: Stmt[]; else_: Stmt[]; test: Expr | null; recursive: boolean;
}
export interface If extends Base { type: 'If'; test: Expr; body: Stmt[]; elif: If[]; else_: Stmt[] }
export interface Macro extends Base { type: 'Macro'; name: string; args: Name[]; defaults: Expr[]; body: Stmt[] }
export interface CallBlock extends Base { type: 'CallBlock'; call: Call; args: Name[]; defaults: Expr[]; body: Stmt[] }
export interface FilterBlock extends Base { type: 'FilterBlock'; body: Stmt[]; filter: Filter }
export interface With extends Base { type: 'With'; targets: Expr[]; values: Expr[]; body: Stmt[] }
export interface Block extends Base { type: 'Block'; name: string; body: Stmt[]; scoped: boolean; required: boolean }
export interface Include extends Base { type: 'Include'; template: Expr; withContext: boolean; ignoreMissing: boolean }
export interface Import extends Base { type: 'Import'; template: Expr; target: string; withContext: boolean }
export interface FromImport extends Base {
  type: 'FromImport'; template: Expr; names: [string, string][]; withContext: boolean;
}
export interface Extends extends Base { type: 'Extends'; template: Expr }
export interface ExprStmt extends Base { type: 'ExprStmt'; node: Expr }
export interface Assign extends Base { type: 'Assign'; target: Expr; node: Expr }
export interface AssignBlock extends Base { type: 'AssignBlock'; target: Expr; body: Stmt[]; filter: Filter | null }
export interface Break extends Base { type: 'Break' }
export interface Continue extends Base { type: 'Continue' }
export interface Scope extends Base { type: 'Scope'; body: Stmt[] }
/** Salt's import_yaml/import_json/import_text: render a template without context, parse it. */
export interface ImportData extends Base { type: 'ImportData'; kind: string; template: Expr; target: string; withContext: boolean }
/** Salt's load_yaml/load_json/load_text block: render the body, parse it. */
export interface LoadData extends Base { type: 'LoadData'; kind: string; target: Expr; body: Stmt[] }

export type Stmt =
  | Output | For | If | Macro | CallBlock | FilterBlock | With | Block | Include | Import | FromImport
  | Extends | ExprStmt | Assign | AssignBlock | Break | Continue | Scope | ImportData | LoadData;

export interface TemplateNode { type: 'Template'; body: Stmt[] }
