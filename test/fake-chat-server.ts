import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  authorization: string | undefined;
}

/**
 * A local server that speaks the OpenAI chat-completions protocol, scripted
 * answer by answer: what a hosted service or a local model server would send.
 */
export async function fakeChatServer(answers: ((request: ChatRequest, res: ServerResponse) => void)[]) {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.statusCode = 404;
        return res.end(JSON.stringify({ error: { message: 'Not found' } }));
      }
      const parsed = JSON.parse(body) as { model: string; messages: ChatRequest['messages'] };
      const request = { model: parsed.model, messages: parsed.messages, authorization: req.headers.authorization };
      requests.push(request);
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function completion(content: string) {
  return (_request: ChatRequest, res: ServerResponse) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: 'fake', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
  };
}

export function status(code: number) {
  return (_request: ChatRequest, res: ServerResponse) => {
    res.statusCode = code;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: { message: `status ${code}` } }));
  };
}

export function silence() {
  return () => undefined;
}
