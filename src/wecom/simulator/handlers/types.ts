import type { EndpointBody, EndpointName, EndpointQuery, EndpointResponse } from '../../endpoints';
import type { CorpRuntime } from '../runtime';
import type { SimCorp } from '../state';

export interface HandlerContext {
  corp: SimCorp;
  runtime: CorpRuntime;
}

export interface HandlerInput<N extends EndpointName> {
  query: EndpointQuery<N>;
  body: EndpointBody<N>;
}

/** Answers one WeCom call; throws WecomError for a business error. The envelope is added by the caller. */
export type Handler<N extends EndpointName> = (ctx: HandlerContext, input: HandlerInput<N>) => EndpointResponse<N>;

/** One handler per endpoint of the table: the compiler refuses a table with a missing or mistyped entry. */
export type HandlerTable = { [N in EndpointName]: Handler<N> };
