import { ApiError, csrfHeaders } from './api.ts';

/**
 * Uploads a file as the raw request body with upload progress. fetch() cannot report
 * upload progress, so this one request uses XMLHttpRequest.
 * Resolves to the parsed JSON answer (e.g. `{jobId}`).
 */
export function uploadFile<T>(url: string, file: File, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', file.type || (file.name.endsWith('.xml') ? 'application/xml' : 'application/octet-stream'));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload failed: the connection was lost.'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    xhr.onload = () => {
      let body: any = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as T);
      if (xhr.status === 401) location.assign('/login');
      const retry = Number(xhr.getResponseHeader('Retry-After'));
      reject(new ApiError(xhr.status, body?.error?.code ?? `http_${xhr.status}`, body?.error?.message ?? `Upload refused (${xhr.status}).`, retry > 0 ? retry : undefined));
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
